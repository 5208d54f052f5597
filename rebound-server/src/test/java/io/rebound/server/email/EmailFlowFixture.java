package io.rebound.server.email;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.campaign.CampaignDefinition;
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
import io.rebound.server.audience.MutableClock;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.campaign.RecoveryApi;
import io.rebound.server.campaign.RecoveryLinks;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.json.Json;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the email flow tests share: a store with the yoga mat in its catalog and a cart-abandoners
 * segment in the embedded audience runtime, a real SMTP server (GreenMail in the JVM), the email and
 * campaign routes on a local HTTP server, and helpers to send events and run the worker at a time.
 */
abstract class EmailFlowFixture {
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path root;
    Database database;
    MutableClock clock;
    FileEventLog log;
    RocksDatabase rocks;
    RocksDatabase indexRocks;
    EventIndexer indexer;
    EmbeddedAudienceRuntime runtime;
    Audiences audiences;
    Vertx vertx;
    String base;
    String store;
    String key;
    String segment;
    JdbcEmailQueue queue;
    EmailSettings settings;
    EmailFlows flows;
    String campaign;
    JdbcOffers offers;
    JdbcCampaigns campaigns;

    @BeforeEach
    void start() throws Exception {
        database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        store = a.store().id();
        key = a.secretKey();
        clock = new MutableClock(T0);
        log = new FileEventLog(root.resolve("log"), false);
        rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL);
        runtime = new EmbeddedAudienceRuntime(log.records(), rocks, new SegmentRepository(database.dataSource()),
                id -> Optional.empty(), clock);
        indexRocks = new RocksDatabase(root.resolve("index"), EventIndexer.COLUMN_FAMILIES);
        indexer = new EventIndexer(log.records(), indexRocks, new SimpleMeterRegistry());
        audiences = new EmbeddedAudiences(runtime, indexer);
        new JdbcCatalog(database.dataSource(), clock).upsert(store, CatalogProduct.builder("yoga-mat").title("Yoga mat")
                .description("A mat").link("https://shop.example/p/yoga-mat").imageLink("https://shop.example/i/mat.jpg")
                .price(new BigDecimal("68.00"), "USD").availability(Availability.IN_STOCK).build());

        Map<String, Object> abandoners = Map.of("name", "Cart abandoners",
                "include", List.of(Map.of("event", "AddToCart", "within_days", 14)),
                "exclude", List.of(Map.of("event", "Purchase", "within_days", 14)));
        segment = audiences.createSegment(store, SegmentDefinitions.parse(abandoners), null).id();
        runtime.backfillDone(store, segment).join();

        settings = new EmailSettings("127.0.0.1", smtp.getSmtp().getPort(), null, null, false, "shop@yoga.example",
                Duration.ofHours(16), URI.create("https://rebound.yoga.example"), Duration.ofSeconds(10));
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        EmailSettings noWorker = new EmailSettings(null, 0, null, null, false, "x@y.z", settings.gap(),
                settings.publicUrl(), settings.pollEvery());
        ServerRoutes.email(noWorker, vertx, database, stores, audiences, clock).forEach(g -> g.accept(router));
        ServerRoutes.campaigns(database, stores, audiences, clock).forEach(g -> g.accept(router));
        new RecoveryApi(new RecoveryLinks(RecoveryLinks.key(database.dataSource())), new ApiAuth(stores),
                settings.publicUrl(), clock).mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();

        queue = new JdbcEmailQueue(database.dataSource());
        offers = new JdbcOffers(database.dataSource());
        flows = newWorker();
        campaigns = new JdbcCampaigns(database.dataSource(), clock);
        // Abandoned cart: a reminder 1 h after the cart, another 2 h after it (held back by the gap), a third at 24 h.
        campaign = new JdbcCampaigns(database.dataSource(), clock).create(store, CampaignDefinitions.parse(
                Json.readUntrustedObject("""
                        {"name": "Abandoned cart", "segment_id": "%s",
                         "channels": {"ads": [], "email": true, "onsite": false},
                         "touches": [
                           {"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "You left something behind"}},
                           {"after_hours": 2, "creative": {"products": ["yoga-mat"], "headline": "Still in your cart"}},
                           {"after_hours": 24, "creative": {"products": ["yoga-mat"], "headline": "Last call"}},
                           {"after_hours": 72, "creative": {"products": ["yoga-mat"], "headline": "10 %% off"},
                            "offer": {"percent": 10, "minimum_order": {"amount": 50, "currency": "USD"}, "expires_hours": 48}}
                         ],
                         "holdout_percent": 0}""".formatted(segment)))).id();
    }

    EmailFlows newWorker() {
        return newWorker(ComplementaryProducts.CREATIVE);
    }

    EmailFlows newWorker(ComplementaryProducts complements) {
        return new EmailFlows(queue, new JdbcCampaigns(database.dataSource(), clock), new JdbcOffers(database.dataSource()),
                new JdbcCatalog(database.dataSource(), clock), audiences, complements,
                new SmtpSender(settings), new UnsubscribeTokens(queue.tokenKey()), settings, clock,
                new CartLinks(new RecoveryLinks(RecoveryLinks.key(database.dataSource())), database.dataSource(),
                        audiences, settings.publicUrl()));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        indexer.close();
        indexRocks.close();
        runtime.close();
        rocks.close();
        log.close();
        database.close();
    }

    static String email(String name) {
        return name + "@mail.example";
    }

    void subscribe(String name) throws Exception {
        HttpResponse<String> r = http("PUT", "/api/v1/stores/" + store + "/subscribers/" + email(name), key,
                "{\"consent\": true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    void event(String name, EventType type, Instant at) {
        log.append(List.of(Event.builder(store, type + "-" + name + "-" + at.toEpochMilli(), type, at, at)
                .anonymousId(name).emailHash(Pii.emailSha256(email(name)))
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build())).join();
        runtime.sync();
    }

    int runAt(Instant t) {
        clock.set(t);
        runtime.sync();
        return flows.runOnce();
    }

    String person(String name) {
        return audiences.reader().personOf(store, name).orElseThrow();
    }

    static List<MimeMessage> to(String name) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
            try {
                return m.getRecipients(Message.RecipientType.TO)[0].toString().equals(email(name));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    HttpResponse<String> http(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
