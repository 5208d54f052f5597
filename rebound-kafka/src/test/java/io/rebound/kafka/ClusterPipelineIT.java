package io.rebound.kafka;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.testkit.memory.InMemoryAudienceRuntime;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.rebound.testkit.TestEvents.event;
import static io.rebound.testkit.TestEvents.identify;
import static org.assertj.core.api.Assertions.assertThat;

/** The cluster pipeline on a real broker: the collector's event log, and scale-out with an instance stopped mid-stream. */
class ClusterPipelineIT {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final List<String> SEGMENTS = List.of("viewers", "abandoners", "buyers");
    private static KafkaClusterTestKit cluster;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = Broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        cluster.close();
    }

    @Test
    void eventLogAppendsAreAcknowledgedAndKeyedByStoreAndStrongestId() {
        Topics topics = new Topics("log");
        ClusterRuntime.createTopics(cluster.bootstrapServers(), topics, 3);
        List<Event> events = List.of(
                event("st_a", "e1", EventType.VIEW_CONTENT, "cookie1", T0, "mat"),
                identify("st_a", "e2", "cookie1", "user1", "hash1", T0),
                Event.builder("st_b", "e3", EventType.PURCHASE, T0, T0).userId("user9").value(new BigDecimal("12.50"))
                        .currency("EUR").properties(Map.of("coupon", "SPRING", "items", 3L, "gift", true)).build());
        try (KafkaEventLog log = new KafkaEventLog(cluster.bootstrapServers(), topics, Map.of())) {
            assertThat(log.append(events)).succeedsWithin(Duration.ofSeconds(30));
        }
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        Map<String, Event> read = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = List.of(new TopicPartition(topics.events(), 0),
                    new TopicPartition(topics.events(), 1), new TopicPartition(topics.events(), 2));
            c.assign(parts);
            c.seekToBeginning(parts);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.size() < 3 && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    read.put(r.key(), EventSerde.decode(r.value()));
                }
            }
        }
        assertThat(read).containsOnlyKeys(Keys.of("st_a", "a:cookie1"), Keys.of("st_a", "u:user1"), Keys.of("st_b", "u:user9"));
        assertThat(read.values()).containsExactlyInAnyOrderElementsOf(events);
    }

    @Test
    void twoInstancesWithOneStoppedMidStreamGiveTheEmbeddedRuntimesMemberships() {
        List<Event> events = generate(new Random(42), 24, 1500);
        InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime(T0);
        try (ClusterRuntime cluster2 = new ClusterRuntime(cluster.bootstrapServers(), 4, 2)) {
            cluster2.clock.advanceTo(T0);
            for (AudienceRuntime r : List.of(reference, cluster2)) {
                for (int s = 0; s < 24; s++) {
                    r.putSegment(store(s), "viewers", SegmentTemplates.productViewers(14, Scope.STORE));
                    r.putSegment(store(s), "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
                    r.putSegment(store(s), "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE));
                }
            }
            events.forEach(reference::accept);

            String ack = cluster2.newAck();
            KafkaStreams second = cluster2.instances().get(1);
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                cluster2.send(cluster2.topics().events(), null, Keys.ofEvent(e), EventSerde.encode(e), ack);
                if (i == events.size() / 2) {
                    // Mid-stream: its partitions (and their state, from the changelogs) move to the first.
                    cluster2.stop(second);
                }
            }
            cluster2.await(ack, events.size());
            cluster2.tick();
            assertSameMemberships(reference, cluster2, events, "after the stream");
            assertNoDuplicates(cluster2);

            Instant later = T0.plus(Duration.ofDays(8));
            reference.advanceTo(later);
            cluster2.advanceTo(later);
            assertSameMemberships(reference, cluster2, events, "8 days later (timers fired on moved partitions)");
            assertNoDuplicates(cluster2);
        }
    }

    private static String store(int s) {
        return "st_" + s;
    }

    /** Many stores; visitors viewing, adding, buying over the last 10 days; some log in on two browsers; duplicates. */
    private static List<Event> generate(Random random, int stores, int n) {
        List<Event> out = new ArrayList<>();
        EventType[] types = {EventType.VIEW_CONTENT, EventType.VIEW_CONTENT, EventType.ADD_TO_CART, EventType.PURCHASE};
        for (int i = 0; i < n; i++) {
            String store = store(random.nextInt(stores));
            String visitor = "v" + random.nextInt(25);
            Instant t = T0.minus(Duration.ofMinutes(random.nextInt(10 * 24 * 60)));
            if (random.nextInt(12) == 0) {
                out.add(identify(store, "i" + i, visitor, "u" + random.nextInt(8), null, t));
            } else {
                out.add(event(store, "e" + i, types[random.nextInt(types.length)], visitor, t, "p" + random.nextInt(3)));
            }
            if (random.nextInt(20) == 0) {
                out.add(out.get(random.nextInt(out.size())));
            }
        }
        return out;
    }

    /** Per store, segment and visitor id: is the visitor's person a member? (Person ids may differ under races.) */
    private static void assertSameMemberships(AudienceRuntime expected, AudienceRuntime actual, List<Event> events, String when) {
        Map<String, Boolean> want = new TreeMap<>();
        Map<String, Boolean> got = new TreeMap<>();
        TreeSet<String> visitors = new TreeSet<>();
        events.forEach(e -> visitors.add(e.storeId() + "/" + e.anonymousId()));
        for (String sv : visitors) {
            String store = sv.substring(0, sv.indexOf('/'));
            String visitor = sv.substring(sv.indexOf('/') + 1);
            String pe = expected.personOf(store, visitor).orElseThrow();
            String pa = actual.personOf(store, visitor).orElseThrow();
            for (String segment : SEGMENTS) {
                want.put(sv + "/" + segment, expected.members(store, segment).contains(pe));
                got.put(sv + "/" + segment, actual.members(store, segment).contains(pa));
            }
        }
        assertThat(got).as("memberships " + when).isEqualTo(want);
        assertThat(want.values()).as("some members " + when).contains(true);
    }

    /** Per person and segment the log alternates JOINED/LEFT starting with JOINED: nothing lost or doubled. */
    private static void assertNoDuplicates(ClusterRuntime runtime) {
        for (int s = 0; s < 24; s++) {
            for (String segment : SEGMENTS) {
                Map<String, MembershipChange.Kind> last = new HashMap<>();
                for (MembershipChange c : runtime.changes(store(s), segment)) {
                    MembershipChange.Kind before = last.put(c.personId(), c.kind());
                    assertThat(before == null ? c.kind() == MembershipChange.Kind.JOINED : before != c.kind())
                            .as("alternating log of %s in %s/%s: %s", c.personId(), store(s), segment, c).isTrue();
                }
            }
        }
    }
}
