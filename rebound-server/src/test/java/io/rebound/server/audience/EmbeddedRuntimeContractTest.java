package io.rebound.server.audience;

import io.rebound.core.engine.testkit.DifferentialScenario;
import io.rebound.core.engine.testkit.RuntimeScenarios;
import io.rebound.server.meta.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The core's behavioural contract (runtime and identity scenarios) and the randomised differential
 * test, run against the embedded runtime: real event log, writer thread, RocksDB, H2.
 */
class EmbeddedRuntimeContractTest {
    @TempDir
    static Path root;
    private static Database database;

    @BeforeAll
    static void open() {
        database = Database.embedded(root.resolve("meta"));
        AudienceHarness.ensureStores(database, "st_test", "st_diff");
    }

    @AfterAll
    static void close() {
        database.close();
    }

    private AudienceHarness newRuntime() {
        return AudienceHarness.fresh(root, database);
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
}
