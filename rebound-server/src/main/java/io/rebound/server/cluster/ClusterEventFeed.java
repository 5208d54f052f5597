package io.rebound.server.cluster;

import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Topics;
import io.rebound.server.concurrent.Threads;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.feed.EventFeed;
import io.rebound.server.feed.ReplayHandover;
import io.rebound.server.meta.Statements;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The event feed of a cluster node: every node reads the whole events topic (no consumer group: the
 * dashboard's views are per node), from the end offsets it found at start; the replay reads the
 * events the events sink materialised in PostgreSQL ({@code cluster_visitor_events}) below those
 * offsets — after waiting until the sink has passed them — so the two are disjoint. A copy of an
 * event id seen among the last {@value #RECENT_IDS} is reported as a duplicate, as the embedded index
 * drops one; older copies are rare and only nudge the funnel's event counters.
 */
public final class ClusterEventFeed implements EventFeed, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterEventFeed.class);
    static final int RECENT_IDS = 100_000;
    /** How far back the replay reads: the funnel's longest period. */
    static final Duration REPLAY = Duration.ofDays(92);
    private static final Duration WAIT_FOR_SINK = Duration.ofMinutes(5);

    private final DataSource db;
    private final Clock clock;
    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<Integer, Long> start = new HashMap<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> recent = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_IDS;
        }
    };
    private final Thread thread;
    private volatile boolean running = true;

    public ClusterEventFeed(ClusterConfig config, Topics topics, DataSource db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.topic = topics.events();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.endOffsets(partitions, Duration.ofSeconds(30)).forEach((tp, end) -> {
            start.put(tp.partition(), end);
            consumer.seek(tp, end);
        });
        this.thread = Thread.ofPlatform().name("cluster-event-feed").daemon(true).start(this::run);
    }

    @Override
    public void subscribe(Subscriber subscriber) {
        Subscription s = new Subscription(subscriber);
        subscriptions.add(s);
        Thread.ofPlatform().name("event-feed-replay").daemon(true).start(s::replay);
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                List<Event> fresh = new ArrayList<>(records.count());
                List<Event> duplicates = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (r.value() == null) {
                        continue;
                    }
                    Event e = EventSerde.decode(r.value());
                    (recent.put(e.storeId() + '\0' + e.eventId(), Boolean.TRUE) == null ? fresh : duplicates).add(e);
                }
                for (Subscription s : subscriptions) {
                    s.accepted(fresh, duplicates);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("cluster event feed stopped: the dashboard's live view and funnel no longer follow new events", e);
        } finally {
            consumer.close();
        }
    }

    /** One subscriber: its replay, and the batches held for its handover while the replay runs. */
    private final class Subscription {
        private final Subscriber subscriber;
        private final ReplayHandover handover;

        Subscription(Subscriber subscriber) {
            this.subscriber = subscriber;
            this.handover = new ReplayHandover(subscriber);
        }

        void accepted(List<Event> fresh, List<Event> duplicates) {
            if (!fresh.isEmpty()) {
                handover.accepted(fresh);
            }
            if (!duplicates.isEmpty()) {
                subscriber.duplicates(duplicates);
            }
        }

        void replay() {
            long count = 0;
            try {
                awaitSink();
                count = readStored();
            } catch (SQLException | RuntimeException e) {
                LOG.error("cluster event feed: replay failed after {} events; only new events follow", count, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handover.replayDone(count, e -> true); // the stored events end where the topic's new ones start
        }

        /** Waits until the events sink has stored everything below this feed's start offsets. */
        private void awaitSink() throws SQLException, InterruptedException {
            long deadline = System.nanoTime() + WAIT_FOR_SINK.toNanos();
            while (System.nanoTime() < deadline) {
                Map<Integer, Long> stored = new HashMap<>();
                try (Connection c = db.getConnection()) {
                    Statements.forEachRow(c, "SELECT partition_no, next_offset FROM cluster_offsets WHERE topic = ?", topic,
                            rs -> stored.put(rs.getInt(1), rs.getLong(2)));
                }
                if (start.entrySet().stream().allMatch(e -> e.getValue() == 0 || stored.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                    return;
                }
                Thread.sleep(200);
            }
            LOG.warn("cluster event feed: the events sink did not reach this node's start offsets in {}; "
                    + "the funnel misses the events it has not stored yet", WAIT_FOR_SINK);
        }

        private long readStored() throws SQLException {
            long n = 0;
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false); // a cursor: rows stream in fetch-size chunks
                try (PreparedStatement ps = c.prepareStatement("SELECT partition_no, record_offset, event "
                        + "FROM cluster_visitor_events WHERE event_time > ?")) {
                    ps.setFetchSize(1_000);
                    ps.setObject(1, clock.instant().minus(REPLAY).atOffset(java.time.ZoneOffset.UTC));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (rs.getLong(2) < start.getOrDefault(rs.getInt(1), Long.MAX_VALUE)) {
                                subscriber.replayed(EventSerde.decode(rs.getBytes(3)));
                                n++;
                            }
                        }
                    }
                }
                c.commit();
            }
            return n;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        Threads.join(thread, Duration.ofSeconds(10));
    }
}
