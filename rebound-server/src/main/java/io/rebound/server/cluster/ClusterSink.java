package io.rebound.server.cluster;

import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.Topics;
import io.rebound.server.concurrent.Threads;
import io.rebound.server.config.ClusterConfig;
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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Materialises the topology's outputs in PostgreSQL so that any node answers the segment API:
 * {@code memberships} (with member counts and an hourly size history), {@code membership-changes},
 * {@code backfill-progress}, {@code segments} (for the segment-set fingerprint) and the aliases
 * changelog (visitor id → person). Every node runs one; they share the partitions as a consumer group.
 * A second sink, with a consumer group of its own so that the event volume never delays memberships,
 * stores the accepted events ({@link #events}).
 *
 * <p>Each poll is applied in one PostgreSQL transaction: the {@link SinkOffsets offset protocol}
 * claims the polled partitions and leaves out what was applied already, one {@link TopicWriter} per
 * topic writes its records with a constant number of statements, and the offsets advance in the same
 * transaction — exactly once into PostgreSQL. On assignment the consumer seeks to the stored offsets.
 * Reads {@code read_committed}: only what the topology's exactly-once transactions committed.
 */
public final class ClusterSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSink.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final DataSource db;
    /** Per subscribed topic, its writer; in the order the writers write. */
    private final Map<String, Supplier<TopicWriter>> writers;
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final AtomicLong applied = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** The topology's outputs and the aliases changelog: memberships, changes, progress, segment records, identities. */
    public ClusterSink(ClusterConfig config, Topics topics, DataSource db) {
        this(config, "-pg-sink", "cluster-sink", audienceWriters(topics, aliasesChangelog(config)), db);
    }

    /** The accepted events, for timelines and the dashboard's funnel ({@link VisitorEventsWriter}). */
    public static ClusterSink events(ClusterConfig config, Topics topics, DataSource db) {
        return new ClusterSink(config, "-pg-events", "cluster-events-sink",
                Map.of(topics.events(), VisitorEventsWriter::new), db);
    }

    private static Map<String, Supplier<TopicWriter>> audienceWriters(Topics topics, String aliasesChangelog) {
        Map<String, Supplier<TopicWriter>> w = new LinkedHashMap<>();
        w.put(topics.memberships(), MembershipsWriter::new);
        w.put(topics.changes(), ChangesWriter::new);
        w.put(topics.progress(), BackfillProgressWriter::new);
        w.put(topics.segments(), SegmentRecordsWriter::new);
        w.put(aliasesChangelog, IdentitiesWriter::new);
        return w;
    }

    private ClusterSink(ClusterConfig config, String groupSuffix, String name, Map<String, Supplier<TopicWriter>> writers,
                        DataSource db) {
        this.db = db;
        this.writers = writers;
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
        return config.applicationId() + "-" + AudienceTopology.StateNames.ALIASES + "-changelog";
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
            consumer.subscribe(List.copyOf(writers.keySet()), new ConsumerRebalanceListener() {
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
            LOG.error("{} stopped: PostgreSQL is no longer updated from {}", name, writers.keySet(), e);
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** Seeks to the stored offsets; a database error is retried (failing here would stop the sink for good). */
    private void seekToStored(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = null;
        long backoff = 100;
        while (stored == null) {
            try (Connection c = db.getConnection()) {
                stored = SinkOffsets.stored(c, partitions);
            } catch (SQLException e) {
                LOG.warn("{}: cannot read the stored offsets, retrying in {} ms: {}", name, backoff, e.getMessage());
                if (!pause(backoff)) {
                    return; // closing: nothing is applied from here
                }
                backoff = Math.min(5_000, backoff * 2);
            }
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
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    /** Sleeps; false if the sink is closing. */
    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return running;
    }

    private void apply(ConsumerRecords<String, byte[]> records) throws SQLException {
        SinkOffsets.Claim claim;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                claim = SinkOffsets.claim(c, records);
                Map<String, TopicWriter> batch = new LinkedHashMap<>();
                writers.forEach((topic, writer) -> batch.put(topic, writer.get()));
                for (ConsumerRecord<String, byte[]> r : claim.fresh()) {
                    batch.get(r.topic()).add(r);
                }
                Instant now = Instant.now();
                for (TopicWriter w : batch.values()) {
                    w.write(c, now);
                }
                SinkOffsets.advance(c, claim);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        claim.seek().forEach(consumer::seek);
        applied.addAndGet(claim.fresh().size());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        Threads.join(thread, Duration.ofSeconds(10));
    }
}
