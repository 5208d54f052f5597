package io.rebound.server.dashboard;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.http.HttpApi;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dashboard on a real Vert.x HTTP server over real storage (H2 in memory, event log and
 * RocksDB in a temp dir), with the embedded audience runtime on the same clock, a clock the test
 * moves and cheap password hashing.
 */
final class DashboardHarness implements AutoCloseable {
    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration ABSOLUTE = Duration.ofHours(8);
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));
    final Database database;
    final JdbcStoreRepository stores;
    final FileEventLog log;
    final RocksDatabase rocks;
    final EventIndexer indexer;
    final EmbeddedAudienceRuntime audiences;
    final Vertx vertx;
    final Dashboard dashboard;
    final io.rebound.server.audience.EmbeddedAudiences audiencesPort;
    /** Destinations on the harness's database, credentials under a keyring in the temp dir; dry-run unless a test connects live. */
    final io.rebound.server.activation.Activation activation;
    /** The stores' catalogs, on the Products page and in the funnel's catalog check. */
    final io.rebound.server.commerce.JdbcCatalog catalog;
    final io.rebound.server.commerce.FeedTokens feedTokens;
    final HttpServer server;
    final String base;

    DashboardHarness(Path dir) throws Exception {
        this(dir, s -> s);
    }

    /** A harness whose dashboard settings are the test ones changed by {@code adjust}. */
    DashboardHarness(Path dir, java.util.function.UnaryOperator<DashboardSettings> adjust) throws Exception {
        database = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                + "DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
        stores = new JdbcStoreRepository(database);
        log = new FileEventLog(dir.resolve("log"), false);
        rocks = new RocksDatabase(dir.resolve("state"), java.util.stream.Stream.concat(
                java.util.stream.Stream.of(EventIndexer.CF_EVENTS, EventIndexer.CF_DEDUP, EventIndexer.CF_OFFSETS),
                AudienceColumns.ALL.stream()).toList());
        indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry());
        audiences = new EmbeddedAudienceRuntime(log.records(), rocks, new SegmentRepository(database.dataSource()),
                stores::byId, clock);
        vertx = Vertx.vertx();
        DashboardSettings settings = adjust.apply(new DashboardSettings(clock, IDLE, ABSOLUTE, false, null,
                new PasswordHasher(1024, 1, 1), new LoginThrottle(5, 50, Duration.ofMinutes(15), Ticker.systemTicker()),
                io.rebound.server.http.TrustedProxies.NONE, null, 10_000, 10, 200, 100));
        dashboard = new Dashboard(vertx, database, stores, new io.rebound.server.feed.EmbeddedEventFeed(indexer, rocks), new SimpleMeterRegistry(), settings);
        audiencesPort = new io.rebound.server.audience.EmbeddedAudiences(audiences, indexer);
        dashboard.attachAudiences(audiencesPort, ReadinessPolicy.DEFAULT);
        activation = new io.rebound.server.activation.Activation(
                new io.rebound.server.activation.JdbcDestinations(database.dataSource(),
                        io.rebound.server.activation.CredentialKeys.inDirectory(dir), clock),
                new io.rebound.server.activation.JdbcDeliveryRepository(database.dataSource(), clock), audiencesPort,
                io.rebound.destinations.HttpTransport.withDefaults(), clock, Duration.ofMillis(100),
                io.rebound.server.activation.Ownership.single(), null);
        dashboard.attachActivation(activation);
        activation.start();
        catalog = new io.rebound.server.commerce.JdbcCatalog(database.dataSource(), clock);
        feedTokens = new io.rebound.server.commerce.FeedTokens(database.dataSource(), clock);
        dashboard.attachCatalog(catalog, feedTokens);
        server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                        .setMaxFormAttributeSize(HttpApi.MAX_FORM_ATTRIBUTE_BYTES)).requestHandler(HttpApi.router(vertx, List.of(dashboard::mount)))
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
    }

    void append(Event... events) throws InterruptedException {
        log.append(List.of(events)).join();
        indexer.awaitCaughtUp(5_000);
        audiences.sync();
    }

    Browser browser() {
        return new Browser();
    }

    @Override
    public void close() {
        activation.close();
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Vert.x did not stop within 10 s", e);
        }
        audiences.close();
        indexer.close();
        log.close();
        rocks.close();
        database.close();
    }

    /** A cookie-keeping HTTP client that does not follow redirects. */
    final class Browser {
        final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String csrf;

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = CSRF.matcher(r.body());
            if (m.find()) {
                csrf = m.group(1);
            }
            return r;
        }

        HttpResponse<String> post(String path, Map<String, String> form) throws IOException, InterruptedException {
            String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
            return http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Signs in through the form, as a person would. */
        HttpResponse<String> signIn(String email, String password) throws IOException, InterruptedException {
            get("/dashboard/login");
            return post("/dashboard/login", Map.of("email", email, "password", password, "_csrf", csrf));
        }
    }

    /** A clock the test moves forward. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
