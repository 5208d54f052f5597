package io.rebound.server.cli;

import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.cluster.ClusterServer;
import io.rebound.server.meta.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code rebound serve}: the production server, configured by a file and REBOUND_* variables. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the Rebound server: embedded storage, or cluster mode on Kafka + PostgreSQL when "
                + "kafka-bootstrap-servers is set (docs/cluster.md).")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "properties file (keys: port, data-dir, database-url, "
            + "database-user, database-password, fsync, admin-token, rate-limit-per-second, rate-limit-burst, "
            + "ip-rate-limit-per-second, ip-rate-limit-burst; "
            + "cluster mode: kafka-bootstrap-servers, kafka-topic-prefix, cluster-role, ... — see README)")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig cfg = ServerConfig.load(config, System.getenv());
        ClusterConfig cluster = ClusterConfig.load(config, System.getenv());
        if (cluster != null) {
            return serveCluster(cfg, cluster);
        }
        ReboundServer server = ReboundServer.start(cfg);
        UntilShutdown stopped = UntilShutdown.closing(server::close);
        System.out.println(startedMessage(cfg, server.baseUrl()));
        if (cfg.adminToken() == null) {
            System.out.println("No admin-token configured: POST /api/v1/stores is disabled; create stores with "
                    + "'rebound stores create'.");
        }
        stopped.await();
        return 0;
    }

    /** What {@code serve} prints once listening; the database URL without its password. */
    static String startedMessage(ServerConfig cfg, String baseUrl) {
        return "Rebound listening on " + baseUrl + " (data in " + cfg.dataDir().toAbsolutePath()
                + (cfg.databaseUrl() == null ? ", metadata in embedded H2"
                : ", metadata in " + Database.redact(cfg.databaseUrl())) + ")";
    }

    private static Integer serveCluster(ServerConfig cfg, ClusterConfig cluster) throws InterruptedException {
        ClusterServer server = ClusterServer.start(cfg, cluster);
        UntilShutdown stopped = UntilShutdown.closing(server::close);
        System.out.println("Rebound cluster node (" + cluster.role().name().toLowerCase(java.util.Locale.ROOT)
                + ") listening on " + server.baseUrl() + " (Kafka " + cluster.bootstrapServers() + ", topics "
                + cluster.topicPrefix() + ".*, metadata and memberships in " + Database.redact(cfg.databaseUrl()) + ")");
        stopped.await();
        return 0;
    }
}
