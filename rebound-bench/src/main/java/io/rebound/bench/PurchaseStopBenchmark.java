package io.rebound.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.EmbeddedAudiences;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.email.EmailFlows;
import io.rebound.server.email.EmailSettings;
import io.rebound.server.email.JdbcEmailQueue;
import io.rebound.server.email.SmtpSender;
import io.rebound.server.email.UnsubscribeTokens;
import io.rebound.server.json.Json;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Purchase → every flow and offer stopped, in the embedded server's components: the event log, the
 * audience runtime on its own writer thread, the metadata database (H2), the email flow worker run
 * every second as the server runs it (sending to a local SMTP server, GreenMail) and the decision API
 * over HTTP. Each person added to the cart, was emailed touch 1 and shown the on-site reminder, and
 * has touches 2 and 3 (the offer) queued.
 * <p>
 * Measured per person, from the purchase's durable append to the event log (when the collector
 * acknowledges it) until both: the decision API shows the person nothing for the campaign
 * ({@code converted} or not in the segment) and every queued email of the person has ended
 * {@code exited}. Purchases arrive in waves of {@code wave} persons; p50, p99 and max over all.
 * Run by hand: {@code rebound-bench/purchase-stop-bench.sh [persons=200] [wave=20]}.
 */
public final class PurchaseStopBenchmark {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private PurchaseStopBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int persons = Args.intArg(args, 0, 200);
        int wave = Args.intArg(args, 1, 20);
        Path root = Files.createTempDirectory("rebound-purchase-stop");
        int smtpPort;
        try (ServerSocket s = new ServerSocket(0)) {
            smtpPort = s.getLocalPort();
        }
        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Clock clock = Clock.systemUTC();
        Database database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created created = stores.create("Purchase stop", false);
        String store = created.store().id();
        secret = created.secretKey();
        FileEventLog log = new FileEventLog(root.resolve("log"), false);
        RocksDatabase rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL);
        EmbeddedAudienceRuntime runtime = new EmbeddedAudienceRuntime(log.records(), rocks,
                new SegmentRepository(database.dataSource()), id -> Optional.empty(), clock);
        RocksDatabase indexRocks = new RocksDatabase(root.resolve("index"), EventIndexer.COLUMN_FAMILIES);
        EventIndexer indexer = new EventIndexer(log.records(), indexRocks, new SimpleMeterRegistry());
        Audiences audiences = new EmbeddedAudiences(runtime, indexer);
        Vertx vertx = Vertx.vertx();
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
        SmtpSender sender = null;
        try {
            new JdbcCatalog(database.dataSource(), clock).upsert(store, CatalogProduct.builder("yoga-mat").title("Yoga mat")
                    .description("A mat").link("https://shop.example/p/yoga-mat").imageLink("https://shop.example/i/mat.jpg")
                    .price(new BigDecimal("68.00"), "USD").availability(Availability.IN_STOCK).build());
            String segment = audiences.createSegment(store, SegmentDefinitions.parse(Map.of("name", "Cart abandoners",
                    "include", List.of(Map.of("event", "AddToCart", "within_days", 14)),
                    "exclude", List.of(Map.of("event", "Purchase", "within_days", 14)))), null).id();
            runtime.backfillDone(store, segment).join();
            String campaign = new JdbcCampaigns(database.dataSource(), clock).create(store, CampaignDefinitions.parse(
                    Json.readUntrustedObject("""
                            {"name": "Abandoned cart", "segment_id": "%s",
                             "channels": {"ads": [], "email": true, "onsite": true},
                             "touches": [
                               {"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "You left something"}},
                               {"after_hours": 24, "creative": {"products": ["yoga-mat"], "headline": "Still in your cart"}},
                               {"after_hours": 72, "creative": {"products": ["yoga-mat"], "headline": "10 %% off"},
                                "offer": {"percent": 10, "expires_hours": 48}}],
                             "caps": {"per_person_per_day": 100}, "holdout_percent": 0}""".formatted(segment)))).id();
            Router router = Router.router(vertx);
            ServerRoutes.campaigns(database, stores, audiences, clock).forEach(g -> g.accept(router));
            int httpPort = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
            String decide = "http://127.0.0.1:" + httpPort + "/api/v1/stores/" + store + "/decide?placement=home&visitor=";

            EmailSettings settings = new EmailSettings("127.0.0.1", smtpPort, null, null, false, "shop@bench.example",
                    Duration.ofHours(16), URI.create("https://rebound.bench.example"), EmailSettings.DEFAULT_POLL);
            JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
            sender = new SmtpSender(settings);
            EmailFlows flows = new EmailFlows(queue, new JdbcCampaigns(database.dataSource(), clock),
                    new JdbcOffers(database.dataSource()), new JdbcCatalog(database.dataSource(), clock), audiences,
                    ComplementaryProducts.CREATIVE, sender, new UnsubscribeTokens(queue.tokenKey()),
                    settings, clock);
            worker.scheduleWithFixedDelay(() -> {
                try {
                    flows.runOnce();
                } catch (RuntimeException e) {
                    System.err.println("email flows: " + e.getMessage());
                }
            }, 0, settings.pollEvery().toMillis(), TimeUnit.MILLISECONDS);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < persons; i++) {
                String id = "p-" + i;
                ids.add(id);
                String email = id + "@mail.example";
                queue.putSubscriber(store, Pii.emailSha256(email), email, clock.instant());
                append(log, store, id, EventType.ADD_TO_CART);
            }
            runtime.sync();
            // Ready: touch 1 emailed, touches 2 and 3 queued, the on-site reminder shown.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (String id : ids) {
                String person = audiences.reader().personOf(store, id).orElseThrow();
                while (!queue.state(JdbcEmailQueue.key(campaign, person, 0)).equals(Optional.of("sent"))
                        || !queue.state(JdbcEmailQueue.key(campaign, person, 1)).equals(Optional.of("queued"))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(id + " was not emailed touch 1 in time");
                    }
                    Thread.sleep(50);
                }
                if (!get(decide + id).contains("\"reason\":\"reminder\"")) {
                    throw new IllegalStateException(id + " is not shown the reminder");
                }
            }
            System.out.printf(Locale.ROOT, "%d persons ready: touch 1 emailed, touches 2-3 queued, reminder shown%n", persons);

            List<Double> stopMillis = new ArrayList<>();
            List<Double> offerMillis = new ArrayList<>();
            for (int from = 0; from < persons; from += wave) {
                List<String> batch = ids.subList(from, Math.min(persons, from + wave));
                long[] start = new long[batch.size()];
                for (int i = 0; i < batch.size(); i++) {
                    append(log, store, batch.get(i), EventType.PURCHASE);
                    start[i] = System.nanoTime();
                }
                long[] offerStopped = new long[batch.size()];
                long[] allStopped = new long[batch.size()];
                int open = batch.size();
                long waveDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (open > 0) {
                    for (int i = 0; i < batch.size(); i++) {
                        if (allStopped[i] != 0) {
                            continue;
                        }
                        String id = batch.get(i);
                        if (offerStopped[i] == 0) {
                            String body = get(decide + id);
                            if (!body.contains("\"kind\":\"reminder\"") && !body.contains("\"kind\":\"new_offer\"")
                                    && !body.contains("\"kind\":\"show_offer\"")) {
                                offerStopped[i] = System.nanoTime();
                            }
                        }
                        String person = audiences.reader().personOf(store, id).orElseThrow();
                        if (offerStopped[i] != 0
                                && queue.state(JdbcEmailQueue.key(campaign, person, 1)).equals(Optional.of("exited"))
                                && queue.state(JdbcEmailQueue.key(campaign, person, 2)).equals(Optional.of("exited"))) {
                            allStopped[i] = System.nanoTime();
                            open--;
                        }
                    }
                    if (System.nanoTime() > waveDeadline) {
                        throw new IllegalStateException(open + " persons not stopped 30 s after their purchase");
                    }
                    Thread.sleep(10);
                }
                for (int i = 0; i < batch.size(); i++) {
                    offerMillis.add((offerStopped[i] - start[i]) / 1e6);
                    stopMillis.add((allStopped[i] - start[i]) / 1e6);
                }
            }
            System.out.printf(Locale.ROOT, "purchase -> decision API shows nothing: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    pct(offerMillis, 50), pct(offerMillis, 99), pct(offerMillis, 100));
            System.out.printf(Locale.ROOT, "purchase -> every flow and offer stopped: p50 %.0f ms, p99 %.0f ms, max %.0f ms "
                    + "(%d persons in waves of %d; target p99 <= 2000 ms)%n",
                    pct(stopMillis, 50), pct(stopMillis, 99), pct(stopMillis, 100), persons, wave);
            System.out.printf(Locale.ROOT, "emails sent in all: %d (one per person, touch 1)%n", smtp.getReceivedMessages().length);
        } finally {
            worker.shutdownNow();
            worker.awaitTermination(10, TimeUnit.SECONDS);
            vertx.close().await();
            indexer.close();
            indexRocks.close();
            runtime.close();
            rocks.close();
            log.close();
            database.close();
            if (sender != null) {
                sender.close(); // GreenMail's stop waits for open client connections
            }
            smtp.stop();
        }
    }

    private static void append(FileEventLog log, String store, String id, EventType type) {
        Instant now = Instant.now();
        log.append(List.of(Event.builder(store, type + "-" + id + "-" + now.toEpochMilli(), type, now, now)
                .anonymousId(id).emailHash(Pii.emailSha256(id + "@mail.example"))
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build())).join();
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + secret).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String secret;

    private static double pct(List<Double> xs, int p) {
        List<Double> s = xs.stream().sorted().toList();
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }
}
