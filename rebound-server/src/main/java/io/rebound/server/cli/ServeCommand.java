package io.rebound.server.cli;

import io.rebound.server.ReboundServer;
import io.rebound.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code rebound serve}: the production server, configured by a file and REBOUND_* variables. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the Rebound server (embedded storage unless a PostgreSQL URL is configured).")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "properties file (keys: port, data-dir, database-url, "
            + "database-user, database-password, fsync, admin-token, rate-limit-per-second, rate-limit-burst)")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig cfg = ServerConfig.load(config, System.getenv());
        ReboundServer server = ReboundServer.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("Rebound listening on " + server.baseUrl() + " (data in " + cfg.dataDir().toAbsolutePath()
                + (cfg.databaseUrl() == null ? ", metadata in embedded H2" : ", metadata in " + cfg.databaseUrl()) + ")");
        if (cfg.adminToken() == null) {
            System.out.println("No admin-token configured: POST /api/v1/stores is disabled; create stores with "
                    + "'rebound stores create'.");
        }
        stopped.await();
        return 0;
    }
}
