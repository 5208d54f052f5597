package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one consumed batch of the topology's outputs does to PostgreSQL, for the audience {@link ClusterSink}. Records are collected first,
 * collapsed per key where the topic is keyed state (memberships, segment records, progress, aliases:
 * the last record of a key is what remains, and a member count moves by what the row's existence
 * before and after the batch says, so the result is the one record-by-record application would give),
 * then written with one statement per table and kind: array parameters ({@code unnest}) for the
 * high-volume tables, the change log in its consumed order. PostgreSQL dialect: cluster mode requires
 * PostgreSQL.
 */
final class AudienceBatch implements ClusterSink.Batch {
    /** Millis since the epoch as a timestamp, exactly. */
    private static final String MILLIS = "(TIMESTAMP WITH TIME ZONE 'epoch' + %s * INTERVAL '1 millisecond')";

    private record Member(String store, String segment, String person) {
    }

    /** A segment record's or an alias's key. */
    private record Pair(String store, String id) {
    }

    private record AliasTarget(String person, long atMillis) {
    }

    private record Progress(BackfillProgress.Partition partition, Instant at) {
    }

    private final Topics topics;
    private final String aliasesTopic;
    /** Joined-at millis, or null for a leave. */
    private final Map<Member, Long> memberships = new LinkedHashMap<>();
    private final List<MembershipChange> changes = new ArrayList<>();
    private final Map<String, Progress> progress = new LinkedHashMap<>();
    private final Map<Pair, byte[]> segmentRecords = new LinkedHashMap<>();
    private final Map<Pair, AliasTarget> aliases = new LinkedHashMap<>();
    private long records;

    AudienceBatch(Topics topics, String aliasesTopic) {
        this.topics = topics;
        this.aliasesTopic = aliasesTopic;
    }

    /** Records added so far. */
    public long size() {
        return records;
    }

    public void add(ConsumerRecord<String, byte[]> r) {
        records++;
        String topic = r.topic();
        String store = Keys.store(r.key());
        String rest = Keys.rest(r.key());
        if (topic.equals(topics.memberships())) {
            int sep = rest.indexOf(Keys.SEP);
            Member m = new Member(store, rest.substring(0, sep), rest.substring(sep + 1));
            memberships.remove(m); // re-insert: keep the consumed order of the last record per key
            memberships.put(m, r.value() == null ? null : ByteBuffer.wrap(r.value()).getLong());
        } else if (topic.equals(topics.changes())) {
            changes.add(MembershipChangeSerde.decode(r.value()));
        } else if (topic.equals(topics.progress())) {
            if (r.value() != null) {
                BackfillProgress.Partition p = BackfillProgress.Partition.decode(r.value());
                progress.put(Keys.of(p.storeId(), Integer.toString(p.partition())), new Progress(p, Instant.ofEpochMilli(r.timestamp())));
            }
        } else if (topic.equals(topics.segments())) {
            segmentRecords.put(new Pair(store, rest), r.value());
        } else if (topic.equals(aliasesTopic)) {
            aliases.put(new Pair(store, rest), new AliasTarget(r.value() == null ? null
                    : new String(r.value(), StandardCharsets.UTF_8), r.timestamp()));
        }
    }

    /** Writes everything collected, in the caller's transaction. */
    public void write(Connection c, Instant now) throws SQLException {
        TreeMap<String, Long> deltas = new TreeMap<>();
        writeMemberships(c, deltas);
        writeChanges(c);
        writeProgress(c);
        writeSegmentRecords(c);
        writeAliases(c);
        counts(c, deltas, now);
    }

    private void writeMemberships(Connection c, Map<String, Long> deltas) throws SQLException {
        List<Member> joins = new ArrayList<>();
        List<Long> joinedAt = new ArrayList<>();
        List<Member> leaves = new ArrayList<>();
        memberships.forEach((m, at) -> {
            if (at == null) {
                leaves.add(m);
            } else {
                joins.add(m);
                joinedAt.add(at);
            }
        });
        if (!joins.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_memberships "
                    + "(store_id, segment_id, person_id, joined_at) "
                    + "SELECT s, g, p, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?) AS x(s, g, p, t) "
                    + "ON CONFLICT (store_id, segment_id, person_id) DO UPDATE SET joined_at = EXCLUDED.joined_at "
                    + "RETURNING store_id, segment_id, (xmax = 0)")) {
                ps.setArray(1, text(c, joins.stream().map(Member::store).toList()));
                ps.setArray(2, text(c, joins.stream().map(Member::segment).toList()));
                ps.setArray(3, text(c, joins.stream().map(Member::person).toList()));
                ps.setArray(4, c.createArrayOf("bigint", joinedAt.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(3)) {
                            deltas.merge(Keys.of(rs.getString(1), rs.getString(2)), 1L, Long::sum);
                        }
                    }
                }
            }
        }
        if (!leaves.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_memberships m "
                    + "USING unnest(?, ?, ?) AS x(s, g, p) WHERE m.store_id = x.s AND m.segment_id = x.g AND m.person_id = x.p "
                    + "RETURNING m.store_id, m.segment_id")) {
                ps.setArray(1, text(c, leaves.stream().map(Member::store).toList()));
                ps.setArray(2, text(c, leaves.stream().map(Member::segment).toList()));
                ps.setArray(3, text(c, leaves.stream().map(Member::person).toList()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        deltas.merge(Keys.of(rs.getString(1), rs.getString(2)), -1L, Long::sum);
                    }
                }
            }
        }
    }

    private void writeChanges(Connection c) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        // WITH ORDINALITY + ORDER BY: the identity column numbers one segment's changes in consumed order.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_membership_changes "
                + "(store_id, segment_id, person_id, kind, changed_at, reason) "
                + "SELECT s, g, p, k, " + MILLIS.formatted("t") + ", r "
                + "FROM unnest(?, ?, ?, ?, ?, ?) WITH ORDINALITY AS x(s, g, p, k, t, r, n) ORDER BY n")) {
            ps.setArray(1, text(c, changes.stream().map(MembershipChange::storeId).toList()));
            ps.setArray(2, text(c, changes.stream().map(MembershipChange::segmentId).toList()));
            ps.setArray(3, text(c, changes.stream().map(MembershipChange::personId).toList()));
            ps.setArray(4, text(c, changes.stream().map(m -> m.kind() == MembershipChange.Kind.JOINED ? "joined" : "left").toList()));
            ps.setArray(5, c.createArrayOf("bigint", changes.stream().map(m -> m.at().toEpochMilli()).toArray()));
            ps.setArray(6, text(c, changes.stream().map(MembershipChange::reason).toList()));
            ps.executeUpdate();
        }
    }

    private void writeProgress(Connection c) throws SQLException {
        if (progress.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_backfill_progress "
                + "(store_id, partition_no, fingerprint, done, total, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (store_id, partition_no) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
                + "done = EXCLUDED.done, total = EXCLUDED.total, updated_at = EXCLUDED.updated_at")) {
            for (Progress x : progress.values()) {
                BackfillProgress.Partition p = x.partition();
                ps.setString(1, p.storeId());
                ps.setInt(2, p.partition());
                ps.setLong(3, p.fingerprint());
                ps.setLong(4, p.done());
                ps.setLong(5, p.total());
                ps.setObject(6, ts(x.at()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeSegmentRecords(Connection c) throws SQLException {
        if (segmentRecords.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = c.prepareStatement(
                "DELETE FROM cluster_segment_records WHERE store_id = ? AND segment_id = ?");
             PreparedStatement upsert = c.prepareStatement("INSERT INTO cluster_segment_records (store_id, segment_id, record) "
                     + "VALUES (?, ?, ?) ON CONFLICT (store_id, segment_id) DO UPDATE SET record = EXCLUDED.record")) {
            for (Map.Entry<Pair, byte[]> e : segmentRecords.entrySet()) {
                PreparedStatement ps = e.getValue() == null ? delete : upsert;
                ps.setString(1, e.getKey().store());
                ps.setString(2, e.getKey().id());
                if (e.getValue() != null) {
                    ps.setBytes(3, e.getValue());
                }
                ps.addBatch();
            }
            delete.executeBatch();
            upsert.executeBatch();
        }
    }

    private void writeAliases(Connection c) throws SQLException {
        List<Pair> gone = new ArrayList<>();
        List<Pair> set = new ArrayList<>();
        List<AliasTarget> to = new ArrayList<>();
        aliases.forEach((k, v) -> {
            if (v.person() == null) {
                gone.add(k);
            } else {
                set.add(k);
                to.add(v);
            }
        });
        if (!gone.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_identities i USING unnest(?, ?) AS x(s, k) "
                    + "WHERE i.store_id = x.s AND i.id_key = x.k")) {
                ps.setArray(1, text(c, gone.stream().map(Pair::store).toList()));
                ps.setArray(2, text(c, gone.stream().map(Pair::id).toList()));
                ps.executeUpdate();
            }
        }
        if (!set.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_identities (store_id, id_key, person_id, updated_at) "
                    + "SELECT s, k, p, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?) AS x(s, k, p, t) "
                    + "ON CONFLICT (store_id, id_key) DO UPDATE SET person_id = EXCLUDED.person_id, updated_at = EXCLUDED.updated_at")) {
                ps.setArray(1, text(c, set.stream().map(Pair::store).toList()));
                ps.setArray(2, text(c, set.stream().map(Pair::id).toList()));
                ps.setArray(3, text(c, to.stream().map(AliasTarget::person).toList()));
                ps.setArray(4, c.createArrayOf("bigint", to.stream().map(AliasTarget::atMillis).toArray()));
                ps.executeUpdate();
            }
        }
    }

    /** Applies member-count deltas (in key order: no deadlock between nodes) and samples the sizes. */
    private static void counts(Connection c, TreeMap<String, Long> deltas, Instant now) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        OffsetDateTime hour = ts(now.truncatedTo(ChronoUnit.HOURS));
        try (PreparedStatement count = c.prepareStatement("INSERT INTO cluster_segment_counts (store_id, segment_id, size) "
                + "VALUES (?, ?, ?) ON CONFLICT (store_id, segment_id) DO UPDATE "
                + "SET size = cluster_segment_counts.size + EXCLUDED.size RETURNING size");
             PreparedStatement sample = c.prepareStatement("INSERT INTO cluster_segment_sizes "
                     + "(store_id, segment_id, sampled_at, size) VALUES (?, ?, ?, ?) "
                     + "ON CONFLICT (store_id, segment_id, sampled_at) DO UPDATE SET size = EXCLUDED.size")) {
            for (Map.Entry<String, Long> d : deltas.entrySet()) {
                String store = Keys.store(d.getKey());
                String segment = Keys.rest(d.getKey());
                count.setString(1, store);
                count.setString(2, segment);
                count.setLong(3, d.getValue());
                long size;
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    size = rs.getLong(1);
                }
                sample.setString(1, store);
                sample.setString(2, segment);
                sample.setObject(3, hour);
                sample.setLong(4, size);
                sample.addBatch();
            }
            sample.executeBatch();
        }
    }

    private static Array text(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray());
    }

    private static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
