package io.rebound.server.cli;

import io.rebound.server.DemoKeys;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.DemoCatalogUpload;
import io.rebound.server.demo.TrafficSimulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code rebound demo}: the whole product on embedded storage with a seeded yoga shop — a month of
 * simulated history on first start, then a trickle of live visitors.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Rebound with the demo yoga shop and a month of simulated traffic.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data-dir", defaultValue = "./data/demo", description = "data directory (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--visitors", defaultValue = "1500", description = "visitors in the simulated 30-day history")
    int visitors;

    @Option(names = "--live-visitors-per-second", defaultValue = "0.2",
            description = "live simulated visitors per second after seeding; 0 turns live traffic off")
    double liveRate;

    @Option(names = "--admin-token", description = "admin token for the store API (default: generated and printed)")
    String adminToken;

    @Override
    public Integer call() throws Exception {
        String token = adminToken != null ? adminToken : "adm_" + java.util.UUID.randomUUID().toString().replace("-", "");
        ReboundServer server = ReboundServer.start(ServerConfig.demo(dataDir, port).withAdminToken(token));
        UntilShutdown stopped = UntilShutdown.closing(server::close);
        DemoKeys keys = server.demoStore();
        String base = server.baseUrl();
        Map<String, String> feeds = feedUrls(base, keys);
        System.out.printf("""

                Rebound demo is running at %s
                  demo shop       %s/shop/
                  dashboard       %s/dashboard/   (sign in: %s / %s)
                  pixel           %s/pixel.js
                  health/metrics  %s/health  %s/metrics
                  store id        %s
                  write key       %s   (public, used by the pixel)
                  secret key      %s   (admin API: Authorization: Bearer <secret key>)
                  meta feed       %s
                  google feed     %s   (TikTok and Pinterest: /feeds/…/tiktok.xml, pinterest.xml)
                  admin token     %s   (POST /api/v1/stores)
                  data directory  %s

                """, base, base, base, Dashboard.DEMO_EMAIL, Dashboard.DEMO_PASSWORD, base, base, base, keys.storeId(), keys.writeKey(), keys.secretKey(),
                feeds.getOrDefault("meta", "(not available)"), feeds.getOrDefault("google", "(not available)"), token,
                dataDir.toAbsolutePath().normalize());
        TrafficSimulator simulator = new TrafficSimulator(URI.create(base), keys.writeKey(), DemoCatalog.yogaShop(), 42);
        Path seeded = dataDir.resolve("demo-seeded");
        if (!Files.exists(seeded)) {
            System.out.println("Seeding 30 days of simulated history (" + visitors + " visitors)...");
            var summary = simulator.runHistory(Instant.now(), 30, visitors);
            Files.writeString(seeded, Instant.now().toString());
            System.out.println("Seeded: " + summary);
            // Five consented shoppers view the yoga mat now: the demo campaign emails the four who only viewed it
            // (dashboard → Campaigns → Yoga mat viewers → Emails sent).
            try {
                io.rebound.server.demo.DemoShoppers.visit(URI.create(base), keys.writeKey(), Instant.now());
            } catch (java.io.IOException e) {
                System.err.println("the demo shoppers were not sent: " + e.getMessage());
            }
        }
        if (liveRate > 0) {
            Thread.ofVirtual().name("live-traffic").start(() -> {
                try {
                    simulator.runLive(Duration.ofDays(365), liveRate);
                } catch (Exception e) {
                    System.err.println("live traffic stopped: " + e.getMessage());
                }
            });
        }
        System.out.println("Press Ctrl+C to stop.");
        stopped.await();
        return 0;
    }

    /** The demo store's catalog feed URLs, asked of the catalog API like any client would; empty if it fails. */
    private static Map<String, String> feedUrls(String base, DemoKeys keys) {
        try {
            return DemoCatalogUpload.feedUrls(URI.create(base), keys.storeId(), keys.secretKey());
        } catch (java.io.IOException e) {
            System.err.println("feed URLs not available: " + e.getMessage());
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }
}
