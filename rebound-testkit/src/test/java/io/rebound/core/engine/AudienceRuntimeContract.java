package io.rebound.core.engine;

import io.rebound.testkit.RuntimeScenarios;
import io.rebound.testkit.SuccessionScenario;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The behavioural contract as JUnit tests: extend it with a factory for the runtime under test.
 * The scenarios themselves live in {@link RuntimeScenarios} (rebound-testkit's main code) so that
 * the other runtimes' modules run them without a test-jar.
 */
abstract class AudienceRuntimeContract {

    /** A fresh runtime whose clock starts at or before 2026-02-28. */
    protected abstract AudienceRuntime newRuntime();

    @TestFactory
    Stream<DynamicTest> runtimeSatisfiesTheContract() {
        return new RuntimeScenarios(this::newRuntime).all().stream()
                .map(s -> DynamicTest.dynamicTest(s.name(), s::run));
    }

    @TestFactory
    Stream<DynamicTest> segmentsCreatedInQuickSuccessionWhileEventsFlowMatchTheReference() {
        return java.util.stream.LongStream.range(0, 3).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            try (AudienceRuntime runtime = newRuntime()) {
                new SuccessionScenario(300, 1_000).run(seed, SuccessionScenario.driver(runtime));
            }
        }));
    }
}
