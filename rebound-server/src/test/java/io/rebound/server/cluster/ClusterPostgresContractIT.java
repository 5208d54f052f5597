package io.rebound.server.cluster;

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
 * The engine's behavioural contract and the differential test against cluster mode as a node
 * serves it: the topology on a real broker in this JVM (exactly-once, three partitions, so that ids
 * of one person sit in different partitions) and every read answered from PostgreSQL on
 * 127.0.0.1:5432, as materialised by {@link ClusterSink} and read by {@link ClusterAudienceView}
 * (see {@link ClusterPostgresRuntime}). Each runtime has its own topics and database.
 */
class ClusterPostgresContractIT {

    private static KafkaClusterTestKit cluster;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = TestCluster.broker();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static final List<ClusterPostgresRuntime> OPEN = new ArrayList<>();

    private static ClusterPostgresRuntime runtime() {
        ClusterPostgresRuntime r = new ClusterPostgresRuntime(cluster.bootstrapServers(), 3);
        OPEN.add(r);
        return r;
    }

    /** Scenarios do not close their runtimes; a Streams instance or sink left running would compete for the 2 cores. */
    private static DynamicTest closing(String name, Runnable body) {
        return DynamicTest.dynamicTest(name, () -> {
            try {
                body.run();
            } finally {
                OPEN.forEach(ClusterPostgresRuntime::close);
                OPEN.clear();
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> runtimeScenarios() {
        return new RuntimeScenarios(ClusterPostgresContractIT::runtime).all().stream()
                .map(s -> closing(s.name(), s::run));
    }

    @TestFactory
    Stream<DynamicTest> differential() {
        DifferentialScenario scenario = new DifferentialScenario(ClusterPostgresContractIT::runtime);
        return Stream.of(
                closing("seed 3, late, duplicate and linked events", () -> scenario.run(3, false, true)),
                closing("seed 1001, in order: change log", () -> scenario.run(1001, true, false)));
    }
}
