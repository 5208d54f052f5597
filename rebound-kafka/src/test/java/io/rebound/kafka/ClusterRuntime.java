package io.rebound.kafka;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.kafka.internals.PersonCommand;
import io.rebound.kafka.internals.Tracker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link AudienceRuntime} over the topology on a real broker. Each runtime gets its own topics and
 * application id. Time: a controllable clock that the punctuator reads. "Processed": every record
 * the runtime sends carries an ack id, and the runtime waits until the acks topic's termination
 * count for that id closes (see {@code Tracker}); moving time sends a {@code Tick} to every
 * partition. Queries read the output topics (read_committed) and, for identities, the alias stores
 * through interactive queries.
 */
final class ClusterRuntime implements AudienceRuntime {

    private static final AtomicInteger RUNTIMES = new AtomicInteger();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String bootstrap;
    private final int partitions;
    private final Topics topics;
    final MutableClock clock = new MutableClock(Instant.EPOCH);
    private final List<KafkaStreams> instances = new ArrayList<>();
    private final List<Path> stateDirs = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    /** Sees uncommitted records too: only its end offsets are read (see {@link #catchUp()}). */
    private final KafkaConsumer<String, byte[]> uncommitted;
    private final Map<String, Integer> acks = new HashMap<>();
    private final OutputView view = new OutputView();
    private final AtomicInteger ackIds = new AtomicInteger();

    ClusterRuntime(String bootstrap, int partitions, int instanceCount) {
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.topics = new Topics("r" + RUNTIMES.incrementAndGet() + "-" + ProcessHandle.current().pid());
        createTopics(bootstrap, topics, partitions);
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
        Properties up = new Properties();
        up.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        up.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        uncommitted = new KafkaConsumer<>(up, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> outputs = new ArrayList<>();
        for (String t : List.of(topics.changes(), topics.memberships(), topics.acks())) {
            for (int p = 0; p < partitions; p++) {
                outputs.add(new TopicPartition(t, p));
            }
        }
        consumer.assign(outputs);
        consumer.seekToBeginning(outputs);
        for (int i = 0; i < instanceCount; i++) {
            startInstance();
        }
        awaitRunning();
    }

    ClusterRuntime(String bootstrap, int partitions) {
        this(bootstrap, partitions, 1);
    }

    Topics topics() {
        return topics;
    }

    static void createTopics(String bootstrap, Topics topics, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> all = new ArrayList<>();
            for (String t : topics.all()) {
                NewTopic nt = new NewTopic(t, topics.segments().equals(t) ? 1 : partitions, (short) 1);
                if (topics.compacted().contains(t)) {
                    nt.configs(Map.of("cleanup.policy", "compact"));
                }
                all.add(nt);
            }
            admin.createTopics(all).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts one more Streams instance of the application. */
    KafkaStreams startInstance() {
        Path dir;
        try {
            dir = Files.createTempDirectory("rebound-streams");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stateDirs.add(dir);
        Properties p = AudienceTopology.config(topics.prefix(), bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20);
        p.put(StreamsConfig.POLL_MS_CONFIG, 10);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // read_committed fetches otherwise sit out fetch.max.wait.ms (500 ms) on every hop.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 5);
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 5);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        KafkaStreams s = new KafkaStreams(new AudienceTopology(topics, clock, Duration.ofMillis(200), 10_000).build(), p);
        s.start();
        synchronized (instances) {
            instances.add(s);
        }
        return s;
    }

    List<KafkaStreams> instances() {
        synchronized (instances) {
            return List.copyOf(instances);
        }
    }

    /** Stops an instance (its partitions move to the others). */
    void stop(KafkaStreams s) {
        s.close(Duration.ofSeconds(30));
        synchronized (instances) {
            instances.remove(s);
        }
    }

    void awaitRunning() {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (instances().stream().anyMatch(s -> s.state() != KafkaStreams.State.RUNNING)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("streams not running: " + instances().stream().map(KafkaStreams::state).toList());
            }
            sleep(20);
        }
    }

    /** A fresh ack id. */
    String newAck() {
        return topics.prefix() + "#" + ackIds.incrementAndGet();
    }

    void send(String topic, Integer partition, String key, byte[] value, String ack) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, partition, key, value);
        if (ack != null) {
            r.headers().add(Tracker.ACK, ack.getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer.send(r).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code count} records sent with {@code ack}, and all they caused, are processed and committed. */
    void await(String ack, int count) {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (acks.getOrDefault(ack, 0) + count != 0) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not processed within " + TIMEOUT + ": " + ack + " at " + acks.get(ack));
            }
            poll();
        }
        acks.remove(ack);
        catchUp();
    }

    /**
     * Reads every output of the transactions committed so far. A transaction's commit markers reach
     * its partitions one by one, so when its ack is readable another of its partitions may still hold
     * its records above the last stable offset: wait until every output partition's last stable offset
     * has passed everything written to it before this call (any open transaction there is then a later
     * one), and read up to it.
     */
    void catchUp() {
        Set<TopicPartition> outputs = consumer.assignment();
        Map<TopicPartition, Long> written = uncommitted.endOffsets(outputs);
        long end = System.nanoTime() + TIMEOUT.toNanos();
        Map<TopicPartition, Long> stable = consumer.endOffsets(outputs);
        while (written.entrySet().stream().anyMatch(e -> stable.get(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > end) {
                throw new AssertionError("outputs not stable within " + TIMEOUT + ": " + stable + " < " + written);
            }
            sleep(2);
            stable.putAll(consumer.endOffsets(outputs));
        }
        while (stable.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            poll();
        }
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(10))) {
            if (r.topic().equals(topics.acks())) {
                acks.merge(r.key(), Tracker.delta(r.value()), Integer::sum);
            } else if (r.topic().equals(topics.changes())) {
                view.change(r.value());
            } else {
                view.membership(r.key(), r.value());
            }
        }
    }

    /** Sends a tick to every partition and waits: due timers fired, backfills complete. */
    void tick() {
        String ack = newAck();
        byte[] tick = PersonCommand.encode(new PersonCommand.Tick());
        for (int p = 0; p < partitions; p++) {
            send(topics.persons(), p, "tick", tick, ack);
        }
        await(ack, partitions);
    }

    private void publish(SegmentRecord r) {
        publishLater(r);
        // Every instance's global store (hence catalog) must have it before the tick backfills.
        awaitCatalogs(r);
        tick();
    }

    /** Publishes a segment record; the instances learn of it when their global stores read it. */
    void publishLater(SegmentRecord r) {
        send(topics.segments(), null, r.key(), r.encode(), null);
    }

    /** Waits until every instance's global segments store holds {@code r}. */
    void awaitCatalogs(SegmentRecord r) {
        byte[] bytes = r.encode();
        for (KafkaStreams s : instances()) {
            waitFor(() -> Arrays.equals(bytes, query(s, AudienceTopology.StateNames.SEGMENTS,
                    (ReadOnlyKeyValueStore<String, byte[]> st) -> st.get(r.key()))), "segment " + r.key());
        }
    }

    /** Sends an event without waiting; {@link #await} the ack later. */
    void acceptLater(Event event, String ack) {
        send(topics.events(), null, Keys.ofEvent(event), EventSerde.encode(event), ack);
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
        acceptLater(event, ack);
        await(ack, 1);
    }

    @Override
    public void advanceTo(Instant now) {
        clock.advanceTo(now);
        tick();
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public Set<String> members(String storeId, String segmentId) {
        return view.members(storeId, segmentId);
    }

    @Override
    public List<MembershipChange> changes(String storeId, String segmentId) {
        return view.changes(storeId, segmentId);
    }

    @Override
    public Optional<String> personOf(String storeId, String visitorId) {
        for (String idKey : List.of(PersonIds.anonymousKey(visitorId), PersonIds.userKey(visitorId))) {
            for (KafkaStreams s : instances()) {
                String p = query(s, AudienceTopology.StateNames.ALIASES,
                        (ReadOnlyKeyValueStore<String, String> st) -> st.get(Keys.of(storeId, idKey)));
                if (p != null) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public Map<String, Instant> memberships(String storeId, String personId) {
        return view.memberships(storeId, personId);
    }

    @Override
    public void erasePerson(String storeId, String personId) {
        String ack = newAck();
        send(topics.persons(), null, Keys.of(storeId, personId),
                PersonCommand.encode(new PersonCommand.Erase(personId)), ack);
        await(ack, 1);
    }

    /** An interactive query, retried while the store is migrating. */
    static <K, V, T> T query(KafkaStreams s, String store, Function<ReadOnlyKeyValueStore<K, V>, T> q) {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return q.apply(s.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<K, V>keyValueStore())));
            } catch (InvalidStateStoreException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                sleep(20);
            }
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(10);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean closed;

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        instances().forEach(s -> s.close(Duration.ofSeconds(30)));
        producer.close();
        consumer.close();
        uncommitted.close();
        for (Path dir : stateDirs) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
