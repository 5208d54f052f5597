package io.rebound.server.audience;

import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.RuntimeScenarios;
import io.rebound.testkit.SuccessionScenario;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The core's behavioural contract (runtime and identity scenarios) and the randomised differential
 * test, run against the embedded runtime: real event log, writer thread, RocksDB, H2.
 */
class EmbeddedRuntimeContractTest {
    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture("st_test", "st_diff", SuccessionScenario.STORE);

    private AudienceHarness newRuntime() {
        return META.freshHarness();
    }

    @TestFactory
    Stream<DynamicTest> runtimeAndIdentityScenarios() {
        return new RuntimeScenarios(this::newRuntime).all().stream()
                .map(s -> DynamicTest.dynamicTest(s.name(), () -> {
                    s.run();
                }));
    }

    @TestFactory
    Stream<DynamicTest> membershipsEqualTheReferenceWithLateDuplicateAndLinkedEvents() {
        DifferentialScenario scenario = new DifferentialScenario(this::newRuntime);
        return LongStream.range(0, 6).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, false, true)));
    }

    @TestFactory
    Stream<DynamicTest> inOrderChangeLogEqualsTheReferenceTransitions() {
        DifferentialScenario scenario = new DifferentialScenario(this::newRuntime);
        return LongStream.range(1000, 1004).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, true, false)));
    }

    /**
     * Issue 15's scenario with nothing waited for: segments are created back to back while their
     * backfills run in chunks between the events appended meanwhile, as on a live server.
     */
    @TestFactory
    Stream<DynamicTest> segmentsCreatedInQuickSuccessionWhileEventsFlowMatchTheReference() {
        return LongStream.range(0, 3).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            try (AudienceHarness harness = newRuntime()) {
                new SuccessionScenario(300, 1_000).run(seed, new Unwaited(harness));
            }
        }));
    }

    /** The embedded runtime driven without waiting: appends, segment creations and clock moves return at once. */
    private record Unwaited(AudienceHarness harness, List<String> created) implements SuccessionScenario.Driver {
        Unwaited(AudienceHarness harness) {
            this(harness, new ArrayList<>());
        }

        @Override
        public void advanceTo(Instant now) {
            ((MutableClock) harness.clock).set(now);
        }

        @Override
        public void send(List<Event> events) {
            harness.append(events.toArray(Event[]::new));
        }

        @Override
        public void createSegment(String segmentId, SegmentDefinition definition) {
            harness.runtime.putSegment(SuccessionScenario.STORE, segmentId, definition, null);
            created.add(segmentId);
        }

        @Override
        public void settle() {
            created.forEach(id -> harness.runtime.backfillDone(SuccessionScenario.STORE, id).join());
            harness.runtime.sync();
        }

        @Override
        public Set<String> members(String segmentId) {
            return harness.members(SuccessionScenario.STORE, segmentId);
        }

        @Override
        public String personOf(String visitorId) {
            return harness.personOf(SuccessionScenario.STORE, visitorId).orElse(null);
        }
    }
}
