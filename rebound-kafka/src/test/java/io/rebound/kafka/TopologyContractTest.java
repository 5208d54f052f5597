package io.rebound.kafka;

import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.RuntimeScenarios;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.LongStream;
import java.util.stream.Stream;

/** The engine's behavioural contract and the differential test against the topology in a TopologyTestDriver. */
class TopologyContractTest {

    @TestFactory
    Stream<DynamicTest> runtimeScenarios() {
        return new RuntimeScenarios(DriverRuntime::new).all().stream()
                .map(s -> DynamicTest.dynamicTest(s.name(), s::run));
    }

    @TestFactory
    Stream<DynamicTest> differentialWithLateDuplicateAndLinkedEvents() {
        DifferentialScenario scenario = new DifferentialScenario(DriverRuntime::new);
        return LongStream.range(0, 8).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, false, true)));
    }

    @TestFactory
    Stream<DynamicTest> differentialInOrderChangeLog() {
        DifferentialScenario scenario = new DifferentialScenario(DriverRuntime::new);
        return LongStream.range(1000, 1004).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, true, false)));
    }
}
