package io.rebound.kafka;

import io.rebound.testkit.SuccessionScenario;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Issue 15 on a real broker with two Streams instances: segments created in quick succession while
 * events flow, nothing waited for until the end — each instance learns of each segment through its
 * own global store, at its own moment, while its partitions evaluate events and backfill. Then every
 * segment's members must equal the brute-force evaluation, now and a week later.
 */
class ClusterSuccessionIT {

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
    void segmentsCreatedInQuickSuccessionOnTwoInstancesMissNoMembership() {
        for (long seed = 1; seed <= 2; seed++) {
            try (ClusterRuntime runtime = new ClusterRuntime(cluster.bootstrapServers(), 6, 2)) {
                new SuccessionScenario(300, 1_000).run(seed, new Unwaited(runtime));
            }
        }
    }

    /** The cluster driven as the operator did: sends and segment creations return at once. */
    private record Unwaited(ClusterRuntime runtime, List<String> acks, List<SegmentRecord> segments)
            implements SuccessionScenario.Driver {
        Unwaited(ClusterRuntime runtime) {
            this(runtime, new ArrayList<>(), new ArrayList<>());
        }

        @Override
        public void advanceTo(Instant now) {
            runtime.clock.advanceTo(now);
        }

        @Override
        public void send(List<Event> events) {
            String ack = runtime.newAck();
            events.forEach(e -> runtime.acceptLater(e, ack));
            for (int i = 0; i < events.size(); i++) {
                acks.add(ack);
            }
        }

        @Override
        public void createSegment(String segmentId, SegmentDefinition definition) {
            SegmentRecord r = new SegmentRecord(SuccessionScenario.STORE, segmentId, definition, runtime.clock.instant());
            runtime.publishLater(r);
            segments.add(r);
        }

        @Override
        public void settle() {
            acks.stream().distinct().forEach(a -> runtime.await(a, (int) acks.stream().filter(a::equals).count()));
            acks.clear();
            segments.forEach(runtime::awaitCatalogs);
            runtime.tick();
        }

        @Override
        public Set<String> members(String segmentId) {
            return runtime.members(SuccessionScenario.STORE, segmentId);
        }

        @Override
        public String personOf(String visitorId) {
            return runtime.personOf(SuccessionScenario.STORE, visitorId).orElse(null);
        }
    }
}
