package io.rebound.server.cluster;

import io.rebound.server.config.ClusterConfig;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.nio.file.Path;

/** What the cluster suites start: a single-node KRaft broker in the test JVM (as RECIPES.md says) and in-process nodes. */
final class TestCluster {

    private TestCluster() {
    }

    static KafkaClusterTestKit broker() throws Exception {
        KafkaClusterTestKit broker = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        broker.format();
        broker.startup();
        broker.waitForReadyBrokers();
        return broker;
    }

    /** A node with every role, on any free port, its topics named {@code prefix}, limits raised for tests. */
    static ClusterServer node(Path dataDir, KafkaClusterTestKit broker, PostgresTestDatabase pg, String prefix, int partitions) {
        return node(dataDir, broker, pg, prefix, partitions, ServerConfig.Activation.DEFAULT);
    }

    /** As above, with these activation settings (a keyring shared by the nodes, a short batching window). */
    static ClusterServer node(Path dataDir, KafkaClusterTestKit broker, PostgresTestDatabase pg, String prefix, int partitions,
                              ServerConfig.Activation activation) {
        return node(dataDir, broker, pg, prefix, partitions, activation, java.util.Map.of());
    }

    /** As above, the node's email settings ({@code REBOUND_SMTP_HOST}, …) read from {@code env}. */
    static ClusterServer node(Path dataDir, KafkaClusterTestKit broker, PostgresTestDatabase pg, String prefix, int partitions,
                              ServerConfig.Activation activation, java.util.Map<String, String> env) {
        return ClusterServer.start(ServerConfig.defaults(dataDir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                        .withDatabase(pg.jdbcUrl(), PostgresTestDatabase.USER, null).withActivation(activation),
                new ClusterConfig(broker.bootstrapServers(), prefix, prefix, ClusterConfig.Role.ALL, partitions, (short) 1,
                        1, 0, 50, 6_000), env);
    }
}
