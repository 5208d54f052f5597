package io.rebound.server.cluster;

import io.rebound.kafka.AudienceTopology;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

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
 * topology's exactly-once transactions committed. What a batch writes, and how, is its {@link Batch}'s:
 * {@link AudienceBatch} for the topology's outputs, {@link EventsBatch} for the accepted events (a
 * second sink with a consumer group of its own, so that the event volume never delays memberships).
 */
public final class ClusterSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSink.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /** What one consumed batch does to PostgreSQL; written in the transaction that advances the offsets. */
    interface Batch {
        void add(ConsumerRecord<String, byte[]> record);

        void write(Connection c, Instant now) throws SQLException;

        /** Records added. */
        long size();
    }

    private final DataSource db;
    private final List<String> subscribed;
    private final Supplier<Batch> batches;
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final AtomicLong applied = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** The topology's outputs and the aliases changelog: memberships, changes, progress, segment records, identities. */
    public ClusterSink(ClusterConfig config, Topics topics, DataSource db) {
        this(config, "-pg-sink", "cluster-sink", List.of(topics.memberships(), topics.changes(), topics.progress(),
                topics.segments(), aliasesChangelog(config)), db, () -> new AudienceBatch(topics, aliasesChangelog(config)));
    }

    /** The accepted events, for timelines and the dashboard's funnel ({@link EventsBatch}). */
    public static ClusterSink events(ClusterConfig config, Topics topics, DataSource db) {
        return new ClusterSink(config, "-pg-events", "cluster-events-sink", List.of(topics.events()), db, EventsBatch::new);
    }

    private ClusterSink(ClusterConfig config, String groupSuffix, String name, List<String> subscribed, DataSource db,
                        Supplier<Batch> batches) {
        this.db = db;
        this.subscribed = subscribed;
        this.batches = batches;
        this.name = name;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId() + groupSuffix);
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
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
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
            consumer.subscribe(subscribed, new ConsumerRebalanceListener() {
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
            LOG.error("{} stopped: PostgreSQL is no longer updated from {}", name, subscribed, e);
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
                LOG.warn("{}: batch failed, retrying in {} ms: {}", name, backoff, e.getMessage());
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
        Batch batch = batches.get();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (TopicPartition tp : order.values()) {
                    long next = lockOffset(c, tp);
                    long last = -1;
                    for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                        last = r.offset();
                        if (r.offset() >= next) { // below: applied by this or another node already
                            batch.add(r);
                        }
                    }
                    if (last >= next) {
                        storeOffset(c, tp, last + 1);
                    } else {
                        seekTo.put(tp, next); // another node got further: continue from there
                    }
                }
                batch.write(c, Instant.now());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        seekTo.forEach(consumer::seek);
        applied.addAndGet(batch.size());
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
}
