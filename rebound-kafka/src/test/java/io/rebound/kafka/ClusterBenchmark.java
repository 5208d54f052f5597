package io.rebound.kafka;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.segment.SegmentTemplates;
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
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events per second through the whole cluster pipeline (events topic → identity hop → persons →
 * membership-changes, exactly-once) with one and with two Streams instances, and event → membership
 * latency (send to the JOINED change being readable, read_committed) at a paced rate. Not a test:
 * run as a main (see docs/cluster.md). Every event is an AddToCart of a new visitor, so each one
 * makes exactly one JOINED change in its store's cart-abandoner segment.
 *
 * <p>System properties: {@code bench.events} (default 100000), {@code bench.stores} (100),
 * {@code bench.partitions} (6), {@code bench.commitMs} (50, the server's default; Streams' own exactly-once default is 100),
 * {@code bench.rate} (events/s of the latency phase, 1000), {@code bench.latencySeconds} (10). Besides events/s
 * it prints the process CPU time per event of the throughput phase. {@code bench.warmupEvents} (0): events
 * first sent through a one-instance pipeline of their own, so that the figures measured after it are
 * of a JVM whose code is compiled (without it, the one-instance phase pays for the JIT compiler).
 * {@code bench.threads} (1): stream threads per instance (the server runs one per core by default).
 */
public final class ClusterBenchmark {

    private static final int EVENTS = Integer.getInteger("bench.events", 100_000);
    private static final int STORES = Integer.getInteger("bench.stores", 100);
    private static final int PARTITIONS = Integer.getInteger("bench.partitions", 6);
    private static final int COMMIT_MS = Integer.getInteger("bench.commitMs", 50);
    private static final int RATE = Integer.getInteger("bench.rate", 1000);
    private static final int LATENCY_SECONDS = Integer.getInteger("bench.latencySeconds", 10);
    private static final int WARMUP_EVENTS = Integer.getInteger("bench.warmupEvents", 0);
    private static final int THREADS = Integer.getInteger("bench.threads", 1);
    /**
     * The JVM's CPU time (broker, Streams, this sender and reader): CPU per event is the cost figure a
     * busy machine does not distort the way it does events/s.
     */
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private ClusterBenchmark() {
    }

    @SuppressWarnings("try") // the broker's close() may throw InterruptedException; main propagates it
    public static void main(String[] args) throws Exception {
        try (KafkaClusterTestKit cluster = Broker.start()) {
            if (WARMUP_EVENTS > 0) {
                run(cluster.bootstrapServers(), "warmup", 1, WARMUP_EVENTS, false);
            }
            for (int instances : new int[] {1, 2}) {
                run(cluster.bootstrapServers(), "bench" + instances, instances, EVENTS, true);
            }
        }
        System.exit(0);
    }

    private static void run(String bootstrap, String name, int instanceCount, int events, boolean measureLatency) throws Exception {
        Topics topics = new Topics(name);
        ClusterRuntime.createTopics(bootstrap, topics, PARTITIONS);
        List<KafkaStreams> instances = new ArrayList<>();
        for (int i = 0; i < instanceCount; i++) {
            Properties p = AudienceTopology.config(topics.prefix(), bootstrap);
            p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("rebound-bench").toString());
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_MS);
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, THREADS);
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 10);
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            KafkaStreams s = new KafkaStreams(new AudienceTopology(topics).build(), p);
            s.start();
            instances.add(s);
        }
        while (instances.stream().anyMatch(s -> s.state() != KafkaStreams.State.RUNNING)) {
            Thread.sleep(50);
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> latencies = new ArrayList<>();
        AtomicLong joins = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
            Instant start = Instant.now();
            for (int s = 0; s < STORES; s++) {
                SegmentRecord r = new SegmentRecord("st" + s, "abandoners",
                        SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), start);
                producer.send(new ProducerRecord<>(topics.segments(), r.key(), r.encode())).get();
            }
            Thread.sleep(2000);
            java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread reader = Thread.ofPlatform().daemon().start(() -> read(bootstrap, topics, sentAt, latencies, joins, reading));

            long t0 = System.nanoTime();
            long cpu0 = CPU.getProcessCpuTime();
            for (int i = 0; i < events; i++) {
                send(producer, topics, "t" + i, i, sentAt, false);
            }
            producer.flush();
            waitFor(joins, events);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuMicros = (CPU.getProcessCpuTime() - cpu0) / 1e3 / events;
            System.out.printf("%sinstances=%d partitions=%d events=%d: %.1f s, %.0f events/s, %.0f µs CPU/event%n",
                    measureLatency ? "" : "warm-up ", instanceCount, PARTITIONS, events, seconds, events / seconds, cpuMicros);
            if (measureLatency) {
                synchronized (latencies) {
                    latencies.clear();
                }
                int paced = RATE * LATENCY_SECONDS;
                long begin = System.nanoTime();
                for (int i = 0; i < paced; i++) {
                    long due = begin + (long) (i * 1e9 / RATE);
                    // Sleeps, never spins: a spinning sender would take one of the two cores from the pipeline it measures.
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    send(producer, topics, "l" + i, i, sentAt, true);
                }
                producer.flush();
                waitFor(joins, events + paced);
                long[] l;
                synchronized (latencies) {
                    l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                }
                System.out.printf("instances=%d latency at %d events/s (commit.interval.ms=%d): p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)%n",
                        instanceCount, RATE, COMMIT_MS, pct(l, 0.50), pct(l, 0.99), l.length == 0 ? 0 : l[l.length - 1] / 1e6, l.length);
            }
            reading.set(false);
            reader.join();
        }
        instances.forEach(s -> s.close(Duration.ofSeconds(30)));
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics topics, String visitor, int i,
                             ConcurrentHashMap<String, Long> sentAt, boolean timed) {
        Instant now = Instant.now();
        Event e = Event.builder("st" + (i % STORES), visitor, EventType.ADD_TO_CART, now, now)
                .anonymousId(visitor).products(List.of(io.rebound.core.event.Product.of("p" + (i % 50)))).build();
        if (timed) {
            sentAt.put(visitor, System.nanoTime());
        }
        producer.send(new ProducerRecord<>(topics.events(), Keys.ofEvent(e), EventSerde.encode(e)));
    }

    private static void read(String bootstrap, Topics topics, ConcurrentHashMap<String, Long> sentAt,
                             List<Long> latencies, AtomicLong joins, java.util.concurrent.atomic.AtomicBoolean reading) {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                parts.add(new TopicPartition(topics.changes(), p));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (reading.get()) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                    MembershipChange change = MembershipChangeSerde.decode(r.value());
                    if (change.kind() == MembershipChange.Kind.JOINED) {
                        joins.incrementAndGet();
                        Long sent = sentAt.remove(change.personId().substring(2));
                        if (sent != null) {
                            synchronized (latencies) {
                                latencies.add(System.nanoTime() - sent);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void waitFor(AtomicLong joins, long n) throws InterruptedException {
        long last = -1;
        long stalled = System.nanoTime();
        while (joins.get() < n) {
            Thread.sleep(20);
            if (joins.get() != last) {
                last = joins.get();
                stalled = System.nanoTime();
            } else if (System.nanoTime() - stalled > Duration.ofSeconds(60).toNanos()) {
                throw new IllegalStateException("stalled at " + last + " of " + n + " joins");
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
