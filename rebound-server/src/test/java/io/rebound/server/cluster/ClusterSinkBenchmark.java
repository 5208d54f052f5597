package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.Topics;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;

/**
 * Records per second through the cluster's PostgreSQL sinks alone — what {@code cluster-bench.sh}
 * leaves out (it stops at the topology's output topics). Not a test: run as a main by
 * {@code rebound-bench/sink-bench.sh}. The topics are filled first with what the topology writes for
 * the cluster benchmark's events (every event an AddToCart of a new visitor in one of the stores'
 * cart-abandoner segment: one membership, one JOINED change, one identity) and the events
 * themselves; then each sink starts on a fresh database and is timed from its first applied batch
 * to its last (so group join and the first transaction's warm-up are left out).
 *
 * <p>System properties: {@code bench.events} (default 100000), {@code bench.stores} (100),
 * {@code bench.partitions} (6).
 */
public final class ClusterSinkBenchmark {

    private static final int EVENTS = Integer.getInteger("bench.events", 100_000);
    private static final int STORES = Integer.getInteger("bench.stores", 100);
    private static final int PARTITIONS = Integer.getInteger("bench.partitions", 6);

    private ClusterSinkBenchmark() {
    }

    @SuppressWarnings("try") // the broker's close() may throw InterruptedException; main propagates it
    public static void main(String[] args) throws Exception {
        try (KafkaClusterTestKit broker = TestCluster.broker()) {
            String prefix = "sinkbench";
            ClusterConfig config = new ClusterConfig(broker.bootstrapServers(), prefix, prefix, ClusterConfig.Role.ALL,
                    PARTITIONS, (short) 1, 1, 0, 100, 6_000);
            Topics topics = new Topics(prefix);
            ClusterTopics.ensure(config, topics);
            String aliases = ClusterSink.aliasesChangelog(config);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(aliases, PARTITIONS, (short) 1))).all().get();
            }
            fill(broker.bootstrapServers(), topics, aliases);

            PostgresTestDatabase pg = PostgresTestDatabase.create();
            try (Database db = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
                 ClusterSink sink = new ClusterSink(config, topics, db.dataSource()).start()) {
                report("audience sink (memberships, changes, identities)", 3L * EVENTS, sink::applied, sink);
            } finally {
                pg.drop();
            }
            PostgresTestDatabase pg2 = PostgresTestDatabase.create();
            try (Database db = Database.open(pg2.jdbcUrl(), PostgresTestDatabase.USER, null);
                 ClusterSink sink = ClusterSink.events(config, topics, db.dataSource()).start()) {
                report("events sink (visitor events)", EVENTS, sink::applied, sink);
            } finally {
                pg2.drop();
            }
        }
        System.exit(0);
    }

    /** What the topology writes for each event of {@code ClusterBenchmark}, and the event. */
    private static void fill(String bootstrap, Topics topics, String aliases) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            // Every topic known to the producer first: a send racing a topic's creation can fail.
            for (String topic : List.of(topics.events(), topics.memberships(), topics.changes(), aliases)) {
                while (producer.partitionsFor(topic).isEmpty()) {
                    Thread.onSpinWait();
                }
            }
            for (int i = 0; i < EVENTS; i++) {
                String store = "st" + (i % STORES);
                String visitor = "v" + i;
                String person = "person-" + i;
                Instant at = now.plusMillis(i);
                Event e = Event.builder(store, visitor, EventType.ADD_TO_CART, at, at)
                        .anonymousId(visitor).products(List.of(Product.of("p" + (i % 50)))).build();
                producer.send(new ProducerRecord<>(topics.events(), Keys.ofEvent(e), EventSerde.encode(e)));
                producer.send(new ProducerRecord<>(topics.memberships(), Keys.of(store, "abandoners", person),
                        ByteBuffer.allocate(8).putLong(at.toEpochMilli()).array()));
                producer.send(new ProducerRecord<>(topics.changes(), Keys.of(store, "abandoners"), MembershipChangeSerde.encode(
                        new MembershipChange(store, "abandoners", person, MembershipChange.Kind.JOINED, at, "added to cart"))));
                producer.send(new ProducerRecord<>(aliases, Keys.of(store, "a:" + visitor), person.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static void report(String what, long total, LongSupplier applied, ClusterSink sink) throws InterruptedException {
        long firstAt = 0;
        long first = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (applied.getAsLong() < total) {
            if (sink.failure() != null || System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " stopped at " + applied.getAsLong() + " of " + total, sink.failure());
            }
            if (first == 0 && applied.getAsLong() > 0) {
                firstAt = System.nanoTime();
                first = applied.getAsLong();
            }
            Thread.sleep(1);
        }
        double seconds = (System.nanoTime() - firstAt) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %d records after the first batch in %.2f s, %.0f records/s (%d events, %d partitions)%n",
                what, total - first, seconds, (total - first) / seconds, EVENTS, PARTITIONS);
    }
}
