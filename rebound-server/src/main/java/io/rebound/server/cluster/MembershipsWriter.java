package io.rebound.server.cluster;

import io.rebound.kafka.Keys;
import io.rebound.server.cluster.SinkSql.Latest;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.rebound.server.cluster.SinkSql.MILLIS;
import static io.rebound.server.cluster.SinkSql.bigint;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * {@code <prefix>.memberships} (compacted; key store/segment/person, value the joined-at millis, a
 * tombstone for a leave) into {@code cluster_memberships}, with the member counts
 * ({@code cluster_segment_counts}) and the hourly size history ({@code cluster_segment_sizes}). A
 * batch keeps the last record per member; a count moves by what the row's existence before and after
 * the batch says (an insert counts +1, a delete that found a row −1), so replaying a record never
 * moves it twice — the offset protocol skips applied records, and the row tells the rest.
 */
final class MembershipsWriter implements TopicWriter {

    private record Member(String store, String segment, String person) {
    }

    private record Join(Member member, long atMillis) {
    }

    private record Delta(String store, String segment, long by) {
    }

    /** Joined-at millis, or null for a leave; in the consumed order of each member's last record. */
    private final Map<Member, Long> last = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        String store = Keys.store(r.key());
        String rest = Keys.rest(r.key());
        int sep = rest.indexOf(Keys.SEP);
        Member m = new Member(store, rest.substring(0, sep), rest.substring(sep + 1));
        last.remove(m); // re-insert: keep the consumed order of the last record per key
        last.put(m, r.value() == null ? null : ByteBuffer.wrap(r.value()).getLong());
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        if (last.isEmpty()) {
            return;
        }
        Latest<Member, Join> latest = Latest.of(last, Join::new);
        TreeMap<List<String>, Long> deltas = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
                ? a.get(1).compareTo(b.get(1)) : a.get(0).compareTo(b.get(0)));
        join(c, latest.upserts(), deltas);
        leave(c, latest.tombstones(), deltas);
        count(c, deltas, now);
    }

    private static void join(Connection c, List<Join> joins, Map<List<String>, Long> deltas) throws SQLException {
        if (joins.isEmpty()) {
            return;
        }
        // xmax = 0: the row was inserted, not updated — a new member.
        SinkSql.update(c, "INSERT INTO cluster_memberships "
                        + "(store_id, segment_id, person_id, joined_at) "
                        + "SELECT s, g, p, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?) AS x(s, g, p, t) "
                        + "ON CONFLICT (store_id, segment_id, person_id) DO UPDATE SET joined_at = EXCLUDED.joined_at "
                        + "RETURNING store_id, segment_id, (xmax = 0)",
                rs -> {
                    if (rs.getBoolean(3)) {
                        deltas.merge(List.of(rs.getString(1), rs.getString(2)), 1L, Long::sum);
                    }
                },
                text(c, joins, j -> j.member().store()),
                text(c, joins, j -> j.member().segment()),
                text(c, joins, j -> j.member().person()),
                bigint(c, joins, Join::atMillis));
    }

    private static void leave(Connection c, List<Member> leaves, Map<List<String>, Long> deltas) throws SQLException {
        if (leaves.isEmpty()) {
            return;
        }
        SinkSql.update(c, "DELETE FROM cluster_memberships m "
                        + "USING unnest(?, ?, ?) AS x(s, g, p) WHERE m.store_id = x.s AND m.segment_id = x.g AND m.person_id = x.p "
                        + "RETURNING m.store_id, m.segment_id",
                rs -> deltas.merge(List.of(rs.getString(1), rs.getString(2)), -1L, Long::sum),
                text(c, leaves, Member::store),
                text(c, leaves, Member::segment),
                text(c, leaves, Member::person));
    }

    /**
     * Moves the member counts by the deltas and samples the new sizes into this hour, in one
     * statement. The counts rows are written in one order (the deltas' and the statement's
     * {@code ORDER BY}): two nodes briefly sharing partitions of one segment cannot deadlock.
     */
    private static void count(Connection c, TreeMap<List<String>, Long> deltas, Instant now) throws SQLException {
        List<Delta> moved = new ArrayList<>();
        deltas.forEach((k, by) -> moved.add(new Delta(k.get(0), k.get(1), by)));
        if (moved.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("WITH counted AS ("
                + "INSERT INTO cluster_segment_counts (store_id, segment_id, size) "
                + "SELECT s, g, n FROM unnest(?, ?, ?) WITH ORDINALITY AS x(s, g, n, o) ORDER BY o "
                + "ON CONFLICT (store_id, segment_id) DO UPDATE SET size = cluster_segment_counts.size + EXCLUDED.size "
                + "RETURNING store_id, segment_id, size) "
                + "INSERT INTO cluster_segment_sizes (store_id, segment_id, sampled_at, size) "
                + "SELECT store_id, segment_id, ?, size FROM counted "
                + "ON CONFLICT (store_id, segment_id, sampled_at) DO UPDATE SET size = EXCLUDED.size")) {
            ps.setArray(1, text(c, moved, Delta::store));
            ps.setArray(2, text(c, moved, Delta::segment));
            ps.setArray(3, bigint(c, moved, Delta::by));
            ps.setObject(4, SinkSql.ts(now.truncatedTo(ChronoUnit.HOURS)));
            ps.executeUpdate();
        }
    }
}
