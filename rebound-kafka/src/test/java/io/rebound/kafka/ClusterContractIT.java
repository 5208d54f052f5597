package io.rebound.kafka;

import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.RuntimeScenarios;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The engine's behavioural contract and the differential test against the topology on a real
 * broker, exactly-once, with three partitions so that ids of one person sit in different partitions.
 */
class ClusterContractIT {

    private static KafkaClusterTestKit cluster;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = Broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        cluster.close();
    }

    private static final List<ClusterRuntime> OPEN = new ArrayList<>();

    private static ClusterRuntime runtime() {
        ClusterRuntime r = new ClusterRuntime(cluster.bootstrapServers(), 3);
        OPEN.add(r);
        return r;
    }

    /** Scenarios do not close their runtimes; a Streams instance left running would compete for the 2 cores. */
    private static DynamicTest closing(String name, Runnable body) {
        return DynamicTest.dynamicTest(name, () -> {
            try {
                body.run();
            } finally {
                OPEN.forEach(ClusterRuntime::close);
                OPEN.clear();
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> runtimeScenarios() {
        return new RuntimeScenarios(ClusterContractIT::runtime).all().stream()
                .map(s -> closing(s.name(), s::run));
    }

    @TestFactory
    Stream<DynamicTest> differential() {
        DifferentialScenario scenario = new DifferentialScenario(ClusterContractIT::runtime);
        return Stream.of(
                closing("seed 3, late, duplicate and linked events", () -> scenario.run(3, false, true)),
                closing("seed 1001, in order: change log", () -> scenario.run(1001, true, false)));
    }
}
