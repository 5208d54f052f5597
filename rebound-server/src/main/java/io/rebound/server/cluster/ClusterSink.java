package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Materialises the topology's outputs in PostgreSQL so that any node answers the segment API:
 * {@code memberships} (with member counts and an hourly size history), {@code membership-changes},
 * {@code backfill-progress}, {@code segments} (for the segment-set fingerprint) and the aliases
 * changelog (visitor id → person). Every node runs one; they share the partitions as a consumer group.
 *
 * <p>Exactly once into PostgreSQL: each polled batch is applied in one transaction that also
 * advances {@code cluster_offsets}; on assignment the consumer seeks to the stored offsets (the
 * group's Kafka offsets are never used). The offsets rows are locked ({@code FOR UPDATE}, in a fixed
 * order) and records below the stored offset skipped, so a node that still holds a partition
 * during a rebalance cannot apply a record twice. Reads {@code read_committed}: only what the
 * topology's exactly-once transactions committed.
 */
public final class ClusterSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSink.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final DataSource db;
    private final Topics topics;
    private final String aliases;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final AtomicLong applied = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    public ClusterSink(ClusterConfig config, Topics topics, DataSource db) {
        this.db = db;
        this.topics = topics;
        this.aliases = aliasesChangelog(config);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId() + "-pg-sink");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, config.sessionTimeoutMs());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, config.sessionTimeoutMs() / 5));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        // The aliases changelog appears when the first Streams instance starts: notice it soon.
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 2_000);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().name("cluster-sink").daemon(true).unstarted(this::run);
    }

    /** The Streams changelog of the aliases store, {@code <application-id>-rebound-aliases-changelog}. */
    static String aliasesChangelog(ClusterConfig config) {
        return config.applicationId() + "-" + AudienceTopology.Stores.ALIASES + "-changelog";
    }

    public ClusterSink start() {
        thread.start();
        return this;
    }

    /** Records applied since start (for /health and tests). */
    public long applied() {
        return applied.get();
    }

    /** The error that stopped the sink, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topics.memberships(), topics.changes(), topics.progress(), topics.segments(), aliases),
                    new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            // Nothing to commit: offsets live in PostgreSQL with the data.
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            seekToStored(partitions);
                        }
                    });
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    applyWithRetry(records);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("the PostgreSQL sink stopped; memberships on this node's API are no longer updated", e);
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void seekToStored(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = new java.util.HashMap<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT next_offset FROM cluster_offsets WHERE topic = ? AND partition_no = ?")) {
            for (TopicPartition tp : partitions) {
                ps.setString(1, tp.topic());
                ps.setInt(2, tp.partition());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        stored.put(tp, rs.getLong(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the sink's offsets: " + e.getMessage(), e);
        }
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (stored.containsKey(tp)) {
                consumer.seek(tp, stored.get(tp));
            } else {
                fresh.add(tp);
            }
        }
        consumer.seekToBeginning(fresh);
    }

    /** Applies a batch; a database error is retried (the batch is re-applied from the stored offsets). */
    private void applyWithRetry(ConsumerRecords<String, byte[]> records) {
        long backoff = 100;
        while (running) {
            try {
                apply(records);
                return;
            } catch (SQLException e) {
                LOG.warn("PostgreSQL sink: batch failed, retrying in {} ms: {}", backoff, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private void apply(ConsumerRecords<String, byte[]> records) throws SQLException {
        // Lock the offsets rows in one order, so that two nodes briefly sharing partitions cannot deadlock.
        TreeMap<String, TopicPartition> order = new TreeMap<>();
        for (TopicPartition tp : records.partitions()) {
            order.put(tp.topic() + "\0" + String.format("%08d", tp.partition()), tp);
        }
        Map<TopicPartition, Long> seekTo = new java.util.HashMap<>();
        long n = 0;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                Writes w = new Writes(c);
                TreeMap<String, Long> deltas = new TreeMap<>();
                for (TopicPartition tp : order.values()) {
                    long next = lockOffset(c, tp);
                    long last = -1;
                    for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                        last = r.offset();
                        if (r.offset() < next) {
                            continue; // applied by this or another node already
                        }
                        applyOne(w, r, deltas);
                        n++;
                    }
                    if (last >= next) {
                        storeOffset(c, tp, last + 1);
                    } else {
                        seekTo.put(tp, next); // another node got further: continue from there
                    }
                }
                w.counts(deltas, Instant.now());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        seekTo.forEach(consumer::seek);
        applied.addAndGet(n);
    }

    private static long lockOffset(Connection c, TopicPartition tp) throws SQLException {
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO cluster_offsets (topic, partition_no, next_offset) "
                + "VALUES (?, ?, 0) ON CONFLICT (topic, partition_no) DO NOTHING")) {
            ins.setString(1, tp.topic());
            ins.setInt(2, tp.partition());
            ins.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT next_offset FROM cluster_offsets WHERE topic = ? AND partition_no = ? FOR UPDATE")) {
            ps.setString(1, tp.topic());
            ps.setInt(2, tp.partition());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void storeOffset(Connection c, TopicPartition tp, long next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE cluster_offsets SET next_offset = ? WHERE topic = ? AND partition_no = ?")) {
            ps.setLong(1, next);
            ps.setString(2, tp.topic());
            ps.setInt(3, tp.partition());
            ps.executeUpdate();
        }
    }

    private void applyOne(Writes w, ConsumerRecord<String, byte[]> r, Map<String, Long> deltas) throws SQLException {
        String topic = r.topic();
        String store = Keys.store(r.key());
        String rest = Keys.rest(r.key());
        if (topic.equals(topics.memberships())) {
            int sep = rest.indexOf(Keys.SEP);
            String segment = rest.substring(0, sep);
            String person = rest.substring(sep + 1);
            long delta = r.value() == null ? w.leave(store, segment, person)
                    : w.join(store, segment, person, Instant.ofEpochMilli(ByteBuffer.wrap(r.value()).getLong()));
            if (delta != 0) {
                deltas.merge(Keys.of(store, segment), delta, Long::sum);
            }
        } else if (topic.equals(topics.changes())) {
            w.change(MembershipChangeSerde.decode(r.value()));
        } else if (topic.equals(topics.progress())) {
            if (r.value() != null) {
                w.progress(BackfillProgress.Partition.decode(r.value()), Instant.ofEpochMilli(r.timestamp()));
            }
        } else if (topic.equals(topics.segments())) {
            w.segmentRecord(store, rest, r.value());
        } else if (topic.equals(aliases)) {
            w.alias(store, rest, r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8),
                    Instant.ofEpochMilli(r.timestamp()));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The statements of one transaction (PostgreSQL dialect: cluster mode requires PostgreSQL). */
    private static final class Writes {
        private final Connection c;

        Writes(Connection c) {
            this.c = c;
        }

        /** +1 when the person was not a member. */
        long join(String store, String segment, String person, Instant joinedAt) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_memberships "
                    + "(store_id, segment_id, person_id, joined_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (store_id, segment_id, person_id) DO UPDATE SET joined_at = EXCLUDED.joined_at "
                    + "RETURNING (xmax = 0)")) {
                ps.setString(1, store);
                ps.setString(2, segment);
                ps.setString(3, person);
                ps.setObject(4, ts(joinedAt));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1) ? 1 : 0;
                }
            }
        }

        /** −1 when the person was a member. */
        long leave(String store, String segment, String person) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM cluster_memberships WHERE store_id = ? AND segment_id = ? AND person_id = ?")) {
                ps.setString(1, store);
                ps.setString(2, segment);
                ps.setString(3, person);
                return -ps.executeUpdate();
            }
        }

        /** Applies member-count deltas (in key order: no deadlock between nodes) and samples the sizes. */
        void counts(Map<String, Long> deltas, Instant now) throws SQLException {
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
                    sample.executeUpdate();
                }
            }
        }

        void change(MembershipChange m) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_membership_changes "
                    + "(store_id, segment_id, person_id, kind, changed_at, reason) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, m.storeId());
                ps.setString(2, m.segmentId());
                ps.setString(3, m.personId());
                ps.setString(4, m.kind() == MembershipChange.Kind.JOINED ? "joined" : "left");
                ps.setObject(5, ts(m.at()));
                ps.setString(6, m.reason());
                ps.executeUpdate();
            }
        }

        void progress(BackfillProgress.Partition p, Instant at) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_backfill_progress "
                    + "(store_id, partition_no, fingerprint, done, total, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (store_id, partition_no) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
                    + "done = EXCLUDED.done, total = EXCLUDED.total, updated_at = EXCLUDED.updated_at")) {
                ps.setString(1, p.storeId());
                ps.setInt(2, p.partition());
                ps.setLong(3, p.fingerprint());
                ps.setLong(4, p.done());
                ps.setLong(5, p.total());
                ps.setObject(6, ts(at));
                ps.executeUpdate();
            }
        }

        void segmentRecord(String store, String segment, byte[] record) throws SQLException {
            if (record == null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM cluster_segment_records WHERE store_id = ? AND segment_id = ?")) {
                    ps.setString(1, store);
                    ps.setString(2, segment);
                    ps.executeUpdate();
                }
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_segment_records (store_id, segment_id, record) "
                    + "VALUES (?, ?, ?) ON CONFLICT (store_id, segment_id) DO UPDATE SET record = EXCLUDED.record")) {
                ps.setString(1, store);
                ps.setString(2, segment);
                ps.setBytes(3, record);
                ps.executeUpdate();
            }
        }

        void alias(String store, String idKey, String person, Instant at) throws SQLException {
            if (person == null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM cluster_identities WHERE store_id = ? AND id_key = ?")) {
                    ps.setString(1, store);
                    ps.setString(2, idKey);
                    ps.executeUpdate();
                }
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_identities "
                    + "(store_id, id_key, person_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (store_id, id_key) "
                    + "DO UPDATE SET person_id = EXCLUDED.person_id, updated_at = EXCLUDED.updated_at")) {
                ps.setString(1, store);
                ps.setString(2, idKey);
                ps.setString(3, person);
                ps.setObject(4, ts(at));
                ps.executeUpdate();
            }
        }

        private static OffsetDateTime ts(Instant i) {
            return i.atOffset(ZoneOffset.UTC);
        }
    }
}
