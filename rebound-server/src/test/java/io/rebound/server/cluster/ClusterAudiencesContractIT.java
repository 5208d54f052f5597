package io.rebound.server.cluster;

import io.rebound.server.ServerConfig;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.AudiencesContract;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.meta.StoreRepository;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The {@link Audiences} contract on a cluster node: a real broker in the test JVM, PostgreSQL, the node in-process. */
class ClusterAudiencesContractIT extends AudiencesContract {

    @TempDir
    static Path dir;
    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private static ClusterServer node;

    @BeforeAll
    static void start() throws Exception {
        broker = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        broker.format();
        broker.startup();
        broker.waitForReadyBrokers();
        pg = PostgresTestDatabase.create();
        node = ClusterServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                        .withDatabase(pg.jdbcUrl(), PostgresTestDatabase.USER, null),
                new ClusterConfig(broker.bootstrapServers(), "contract", "contract", ClusterConfig.Role.ALL,
                        3, (short) 1, 1, 0, 50, 6_000));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    @Override
    protected Audiences audiences() {
        return node.audiences();
    }

    @Override
    protected String baseUrl() {
        return node.baseUrl();
    }

    @Override
    protected StoreRepository stores() {
        return node.stores();
    }

    @Override
    protected boolean readsPersonStates() {
        return false;
    }

    @Override
    protected String erasureStatus() {
        return "erasing";
    }
}
