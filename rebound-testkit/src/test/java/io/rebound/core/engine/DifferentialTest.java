package io.rebound.core.engine;

import io.rebound.testkit.memory.InMemoryAudienceRuntime;
import io.rebound.testkit.DifferentialScenario;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Engine vs a brute-force reference over hundreds of generated streams: memberships at random
 * instants and exact window boundaries must be identical; in-order streams must also produce the
 * reference's change log.
 */
class DifferentialTest {

    private final DifferentialScenario scenario = new DifferentialScenario(InMemoryAudienceRuntime::new);

    @TestFactory
    Stream<DynamicTest> membershipsEqualTheReferenceWithLateDuplicateAndLinkedEvents() {
        return LongStream.range(0, 200).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, false, true)));
    }

    @TestFactory
    Stream<DynamicTest> inOrderChangeLogEqualsTheReferenceTransitions() {
        return LongStream.range(1000, 1100).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, true, false)));
    }
}
