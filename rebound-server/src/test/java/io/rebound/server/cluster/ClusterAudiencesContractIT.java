package io.rebound.server.cluster;

import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.AudiencesContract;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.meta.StoreRepository;
import org.apache.kafka.common.test.KafkaClusterTestKit;
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
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
        node = TestCluster.node(dir, broker, pg, "contract", 3);
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
