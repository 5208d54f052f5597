package io.rebound.server.cluster;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.Topics;
import io.rebound.kafka.internals.PersonCommand;
import io.rebound.kafka.internals.Tracker;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@link AudienceRuntime} over cluster mode as a node runs it: writes go through the topology on a
 * real broker (as {@code rebound-kafka}'s {@code ClusterRuntime} sends them: events, segment
 * records, ticks and erasures with an ack header), reads come from PostgreSQL — the tables the real
 * {@link ClusterSink} materialises, read through {@link ClusterAudienceView}, the class the segment
 * and visitor API answer from. Each runtime has its own topic prefix (= application id, sink group)
 * and its own database, and closes everything it started.
 *
 * <p>"Processed" is two proofs, no timing guess: first the acks topic's termination count for the
 * ack id closes (the topology processed and committed everything the write caused, see
 * {@link Tracker}); then every partition the sink consumes is read up to its last stable offset
 * (which must have passed everything written before: commit markers reach a transaction's partitions
 * one by one), noting its last committed record, and the sink's {@code cluster_offsets} row must have
 * passed that record — i.e. the sink committed it to PostgreSQL.
 */
final class ClusterPostgresRuntime implements AudienceRuntime {

    private static final AtomicInteger RUNTIMES = new AtomicInteger();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int PAGE = 1_000;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.EPOCH);
    private final ClusterConfig config;
    private final Topics topics;
    private final int partitions;
    private final KafkaProducer<String, byte[]> producer;
    /** read_committed: the acks topic and every partition the sink consumes. */
    private final KafkaConsumer<String, byte[]> observer;
    /** Lists end offsets including records of open transactions (what has been written). */
    private final Admin admin;
    private final KafkaStreams streams;
    private final Database database;
    private final ClusterSink sink;
    private final ClusterAudienceView view;
    private final Map<String, Integer> acks = new HashMap<>();
    /** Per partition the sink consumes: the offset of the last committed record seen there. */
    private final Map<TopicPartition, Long> lastRecord = new HashMap<>();
    private final AtomicInteger ackIds = new AtomicInteger();
    private boolean closed;

    ClusterPostgresRuntime(String bootstrap, int partitionCount) {
        String prefix = "pg" + RUNTIMES.incrementAndGet() + "-" + ProcessHandle.current().pid();
        config = new ClusterConfig(bootstrap, prefix, prefix, ClusterConfig.Role.ALL, partitionCount, (short) 1,
                1, 0, 20, 6_000);
        topics = new Topics(prefix);
        try {
            partitions = ClusterTopics.ensure(config, topics);
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = open(new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer()));
            observer = open(consumer(bootstrap));
            admin = open(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
            streams = startStreams();
            // After RUNNING the aliases changelog exists: the sink's first assignment includes it.
            PostgresTestDatabase pg = PostgresTestDatabase.create();
            opened.add(pg::drop);
            database = open(Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null));
            view = new ClusterAudienceView(database.dataSource());
            sink = open(new ClusterSink(config, topics, database.dataSource()).start());
            assignObserver();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T open(T resource) {
        opened.add(resource);
        return resource;
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaStreams startStreams() {
        Path dir;
        try {
            dir = Files.createTempDirectory("rebound-pg-streams");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        opened.add(() -> deleteTree(dir));
        Properties p = AudienceTopology.config(config.applicationId(), config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        p.put(StreamsConfig.POLL_MS_CONFIG, 10);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // read_committed fetches otherwise sit out fetch.max.wait.ms (500 ms) on every hop.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 5);
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 5);
        KafkaStreams s = new KafkaStreams(new AudienceTopology(topics, clock, Duration.ofMillis(200), 10_000).build(), p);
        opened.add(() -> s.close(Duration.ofSeconds(30)));
        s.start();
        waitFor(() -> s.state() == KafkaStreams.State.RUNNING, () -> "streams running, is " + s.state());
        return s;
    }

    /** Assigns the observer the acks topic and every topic the sink consumes, from the beginning. */
    private void assignObserver() {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : List.of(topics.acks(), topics.memberships(), topics.changes(), topics.progress(),
                topics.segments(), ClusterSink.aliasesChangelog(config))) {
            List<PartitionInfo> infos = observer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("no partitions for " + topic);
            }
            infos.forEach(i -> all.add(new TopicPartition(i.topic(), i.partition())));
        }
        observer.assign(all);
        observer.seekToBeginning(all);
    }

    // ---- writes: through the topology -----------------------------------------------------------

    private String newAck() {
        return topics.prefix() + "#" + ackIds.incrementAndGet();
    }

    private void send(String topic, Integer partition, String key, byte[] value, String ack) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, partition, key, value);
        if (ack != null) {
            r.headers().add(Tracker.ACK, ack.getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer.send(r).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code count} records sent with {@code ack}, and all they caused, are processed, committed and in PostgreSQL. */
    private void await(String ack, int count) {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (acks.getOrDefault(ack, 0) + count != 0) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not processed within " + TIMEOUT + ": " + ack + " at " + acks.get(ack));
            }
            poll();
        }
        acks.remove(ack);
        awaitSink();
    }

    /**
     * Reads every observed partition up to a last stable offset that has passed everything written
     * to it before this call (a transaction still open there is then a later one), then waits until
     * the sink's stored offsets have passed each partition's last committed record.
     */
    private void awaitSink() {
        Set<TopicPartition> all = observer.assignment();
        Map<TopicPartition, Long> written = written(all);
        Map<TopicPartition, Long> stable = new HashMap<>(observer.endOffsets(all));
        waitFor(() -> {
            if (written.entrySet().stream().allMatch(e -> stable.get(e.getKey()) >= e.getValue())) {
                return true;
            }
            stable.putAll(observer.endOffsets(all));
            return false;
        }, () -> "outputs stable: " + stable + " < " + written);
        while (stable.entrySet().stream().anyMatch(e -> observer.position(e.getKey()) < e.getValue())) {
            poll();
        }
        Map<TopicPartition, Long> applied = new HashMap<>();
        waitFor(() -> {
            if (sink.failure() != null) {
                throw new AssertionError("the sink stopped", sink.failure());
            }
            applied.clear();
            applied.putAll(sinkOffsets());
            return lastRecord.entrySet().stream().allMatch(e -> applied.getOrDefault(e.getKey(), 0L) > e.getValue());
        }, () -> "the sink to apply " + lastRecord + ", it stored " + applied);
    }

    /** End offsets with records of open transactions: everything written so far. */
    private Map<TopicPartition, Long> written(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list end offsets: " + e.getMessage(), e);
        }
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> r : observer.poll(Duration.ofMillis(10))) {
            if (r.topic().equals(topics.acks())) {
                acks.merge(r.key(), Tracker.delta(r.value()), Integer::sum);
            } else {
                lastRecord.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max);
            }
        }
    }

    /** The sink's {@code cluster_offsets}: per partition, the next offset to apply. */
    private Map<TopicPartition, Long> sinkOffsets() {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT topic, partition_no, next_offset FROM cluster_offsets");
             ResultSet rs = ps.executeQuery()) {
            Map<TopicPartition, Long> out = new HashMap<>();
            while (rs.next()) {
                out.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read cluster_offsets: " + e.getMessage(), e);
        }
    }

    /** Sends a tick to every persons partition and waits: due timers fired, backfills complete. */
    private void tick() {
        String ack = newAck();
        byte[] tick = PersonCommand.encode(new PersonCommand.Tick());
        for (int p = 0; p < partitions; p++) {
            send(topics.persons(), p, "tick", tick, ack);
        }
        await(ack, partitions);
    }

    private void publish(SegmentRecord r) {
        byte[] bytes = r.encode();
        send(topics.segments(), null, r.key(), bytes, null);
        // The instance's global store (hence catalog) must have it before the tick backfills.
        waitFor(() -> Arrays.equals(bytes, segmentInStore(r.key())), () -> "segment " + r.key() + " in the global store");
        tick();
    }

    private byte[] segmentInStore(String key) {
        try {
            ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                    AudienceTopology.StateNames.SEGMENTS, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            return store.get(key);
        } catch (InvalidStateStoreException e) {
            return null; // migrating: asked again
        }
    }

    @Override
    public void putSegment(String storeId, String segmentId, SegmentDefinition definition) {
        publish(new SegmentRecord(storeId, segmentId, definition, clock.instant()));
    }

    @Override
    public void deleteSegment(String storeId, String segmentId) {
        publish(new SegmentRecord(storeId, segmentId, null, clock.instant()));
    }

    @Override
    public void accept(Event event) {
        String ack = newAck();
        send(topics.events(), null, Keys.ofEvent(event), EventSerde.encode(event), ack);
        await(ack, 1);
    }

    @Override
    public void advanceTo(Instant now) {
        clock.set(now);
        tick();
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public void erasePerson(String storeId, String personId) {
        String ack = newAck();
        send(topics.persons(), null, Keys.of(storeId, personId),
                PersonCommand.encode(new PersonCommand.Erase(personId)), ack);
        await(ack, 1);
    }

    // ---- reads: PostgreSQL, through the API's view ------------------------------------------------

    @Override
    public Set<String> members(String storeId, String segmentId) {
        Set<String> out = new TreeSet<>();
        String after = null;
        while (true) {
            List<AudienceReader.Member> page = view.members(storeId, segmentId, after, PAGE);
            page.forEach(m -> out.add(m.personId()));
            if (page.size() < PAGE) {
                return out;
            }
            after = page.getLast().personId();
        }
    }

    @Override
    public List<MembershipChange> changes(String storeId, String segmentId) {
        List<MembershipChange> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<LoggedChange> page = view.changes(storeId, segmentId, after, PAGE);
            page.forEach(c -> out.add(c.change()));
            if (page.size() < PAGE) {
                return out;
            }
            after = page.getLast().sequence();
        }
    }

    @Override
    public Optional<String> personOf(String storeId, String visitorId) {
        return view.personOf(storeId, visitorId);
    }

    @Override
    public Map<String, Instant> memberships(String storeId, String personId) {
        return view.memberships(storeId, personId);
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private static void waitFor(BooleanSupplier condition, Supplier<String> what) {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what.get());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Closes what was started, newest first: the sink and Streams before the database and topics' clients. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (AutoCloseable r : opened.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the runtime " + topics.prefix(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
