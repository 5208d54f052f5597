package io.rebound.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Campaigns on a two-node cluster (a real broker in this JVM, PostgreSQL, GreenMail, a local
 * stand-in for WooCommerce's coupons API): exactly one node runs the email flows and one creates the
 * codes in the shop; shoppers who abandon their carts get each email once, whichever node their
 * events reached; a purchase stops the flow (the queued touch exits as converted) and the offers
 * (the decision API answers {@code converted}), read from the materialised events since cluster
 * nodes keep no person state; when the owner stops, the other node takes the flows over within a
 * claim round and carries on from the durable queue with nothing lost or sent twice.
 */
class ClusterCampaignsIT {
    private static final ServerConfig.Activation SHARED = new ServerConfig.Activation(
            "k1:" + Base64.getEncoder().encodeToString(new byte[32]), Duration.ofMillis(200));
    private static final String REMINDER = "You left something behind";

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Each code the shop stand-in was asked to create, with how often. */
    private final Map<String, AtomicInteger> coupons = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBrokerAndDatabase() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    @Test
    void oneNodeRunsTheFlowsEachEmailGoesOnceAPurchaseStopsThemAndTheOtherNodeTakesOver() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<ClusterServer> running = new ArrayList<>();
        try (Database db = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null)) {
            String shop = "http://127.0.0.1:" + vertx.createHttpServer().requestHandler(this::woocommerce)
                    .listen(0, "127.0.0.1").await().actualPort();
            Map<String, String> env = Map.of("REBOUND_SMTP_HOST", "127.0.0.1",
                    "REBOUND_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "REBOUND_SMTP_STARTTLS", "false",
                    "REBOUND_EMAIL_FROM", "shop@yoga.example", "REBOUND_EMAIL_GAP_HOURS", "0");
            ClusterServer a = TestCluster.node(tmp.resolve("a"), broker, pg, "cmp", 2, SHARED, env);
            running.add(a);
            ClusterServer b = TestCluster.node(tmp.resolve("b"), broker, pg, "cmp", 2, SHARED, env);
            running.add(b);

            StoreRepository.Created created = a.stores().create("Yoga & Co", false);
            Ctx s = new Ctx(created.store().id(), created.secretKey(), created.store().writeKey());
            new JdbcCatalog(db.dataSource(), Clock.systemUTC()).upsert(s.store, CatalogProduct.builder("yoga-mat")
                    .title("Yoga mat").description("A mat").link("https://shop.example/p/yoga-mat")
                    .imageLink("https://shop.example/i/mat.jpg").price(new BigDecimal("68.00"), "USD")
                    .availability(Availability.IN_STOCK).build());
            // Cart abandoners leave the segment when they buy; cart adders stay, so only the purchase
            // read from the events stops their offer.
            String abandoners = segment(a, s, Map.of("name", "Cart abandoners",
                    "include", List.of(Map.of("event", "AddToCart", "within_days", 14)),
                    "exclude", List.of(Map.of("event", "Purchase", "within_days", 14))));
            String adders = segment(a, s, Map.of("name", "Cart adders",
                    "include", List.of(Map.of("event", "AddToCart", "within_days", 14))));
            String flow = campaign(a, s, """
                    {"name": "Abandoned cart", "segment_id": "%s", "channels": {"ads": [], "email": true, "onsite": false},
                     "touches": [
                       {"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "%s"}},
                       {"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "Still in your cart"}}],
                     "holdout_percent": 0}""".formatted(abandoners, REMINDER));
            campaign(b, s, """
                    {"name": "Cart offer", "segment_id": "%s", "channels": {"ads": [], "email": false, "onsite": true},
                     "touches": [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "10 %% off"},
                       "offer": {"percent": 10, "minimum_order": {"amount": 50, "currency": "USD"}, "expires_hours": 48}}],
                     "holdout_percent": 0}""".formatted(adders));
            HttpResponse<String> r = call(b, "PUT", "/api/v1/stores/" + s.store + "/code-store", s.secret, """
                    {"platform": "woocommerce", "shop_url": "%s", "consumer_key": "ck_1", "consumer_secret": "cs_1",
                     "mode": "live"}""".formatted(shop));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

            await("an owner of each pass", () -> owners(running, ServerRoutes.EMAIL_FLOWS) == 1
                    && owners(running, ServerRoutes.STORE_CODES) == 1);
            Thread.sleep(Duration.ofSeconds(6).toMillis()); // a claim round on each node
            assertThat(owners(running, ServerRoutes.EMAIL_FLOWS)).as("one node runs the email flows").isEqualTo(1);
            assertThat(owners(running, ServerRoutes.STORE_CODES)).as("one node creates the codes").isEqualTo(1);
            ClusterServer owner = a.jobs().runsHere(ServerRoutes.EMAIL_FLOWS) ? a : b;
            ClusterServer other = owner == a ? b : a;

            // Ten shoppers abandon their carts, their events posted to the node that does not send.
            abandon(other, s, 0, 10);
            await("ten reminders", () -> smtp.getReceivedMessages().length >= 10, () -> sends(db));
            Thread.sleep(3_000); // a few more passes of the worker: nothing is sent again
            assertEachOnce(0, 10);

            // Shoppers 0 and 1 buy: they leave the segment, and their queued second touch exits as converted.
            buy(other, s, 0, 2);
            await("two conversions", () -> converted(other, s, flow) == 2, () -> sends(db));
            // The cart adders' offer: shopper 2 is given a code (created once in the shop), shopper 0
            // bought after joining and is given nothing.
            JsonNode offer = decide(other, s, "shopper2");
            assertThat(offer.path("kind").asText()).as(offer.toString()).isEqualTo("new_offer");
            String code = offer.path("offer").path("code").asText();
            await("the code created in the shop", () -> coupons.containsKey(code));
            assertThat(decide(owner, s, "shopper0").path("reason").asText()).as("a purchase stops the offer")
                    .isEqualTo("converted");

            // Ten more shoppers abandon their carts and the owner stops at once, whatever it was doing:
            // the other node takes the flows over and sends the rest.
            abandon(other, s, 10, 20);
            running.remove(owner);
            owner.close();
            long stopped = System.nanoTime();
            await("the other node took the flows over", () -> other.jobs().runsHere(ServerRoutes.EMAIL_FLOWS));
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("within a claim round")
                    .isLessThan(Duration.ofSeconds(12));
            await("twenty reminders", () -> smtp.getReceivedMessages().length >= 20, () -> sends(db));
            // Shopper 3's second touch was queued by the stopped node; the new owner exits it on the purchase.
            buy(other, s, 3, 4);
            await("a third conversion", () -> converted(other, s, flow) == 3, () -> sends(db));
            assertEachOnce(0, 20);

            await("the other node creates the codes", () -> other.jobs().runsHere(ServerRoutes.STORE_CODES));
            String second = decide(other, s, "shopper12").path("offer").path("code").asText();
            await("the second code created in the shop", () -> coupons.containsKey(second));
            assertThat(coupons.keySet()).containsExactlyInAnyOrder(code, second);
            assertThat(coupons.values()).allMatch(n -> n.get() == 1, "each code created once");
        } finally {
            running.forEach(ClusterServer::close);
            vertx.close().await();
        }
    }

    private record Ctx(String store, String secret, String writeKey) {
    }

    private static long owners(List<ClusterServer> nodes, String pass) {
        return nodes.stream().filter(n -> n.jobs().runsHere(pass)).count();
    }

    /** Every shopper {@code from … to − 1} got exactly one email, the first touch, and nobody else got any. */
    private static void assertEachOnce(int from, int to) throws Exception {
        Map<String, Integer> perRecipient = new TreeMap<>();
        List<String> ids = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            perRecipient.merge(m.getRecipients(Message.RecipientType.TO)[0].toString(), 1, Integer::sum);
            assertThat(m.getSubject()).contains(REMINDER);
            ids.add(m.getMessageID());
        }
        Map<String, Integer> expected = new TreeMap<>();
        for (int i = from; i < to; i++) {
            expected.put(email(i), 1);
        }
        assertThat(perRecipient).as("one email per shopper").isEqualTo(expected);
        assertThat(ids).as("no Message-ID twice").doesNotHaveDuplicates();
    }

    private static String email(int i) {
        return "shopper" + i + "@mail.example";
    }

    private String segment(ClusterServer node, Ctx s, Map<String, Object> definition) throws InterruptedException {
        String id = node.audiences().createSegment(s.store, SegmentDefinitions.parse(definition), null).id();
        await("segment " + id + " ready", () -> node.audiences().segment(s.store, id)
                .map(r -> r.status() == SegmentRecord.Status.READY).orElse(false));
        return id;
    }

    private String campaign(ClusterServer node, Ctx s, String json) throws Exception {
        HttpResponse<String> r = call(node, "POST", "/api/v1/stores/" + s.store + "/campaigns", s.secret, json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).path("id").asText();
    }

    private long converted(ClusterServer node, Ctx s, String campaign) {
        try {
            HttpResponse<String> r = call(node, "GET", "/api/v1/stores/" + s.store + "/campaigns/" + campaign + "/stats",
                    s.secret, null);
            return Json.MAPPER.readTree(r.body()).path("people").path("converted").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The decision API's answer for the cart-offer campaign on the home banner. */
    private JsonNode decide(ClusterServer node, Ctx s, String visitor) throws Exception {
        HttpResponse<String> r = call(node, "GET", "/api/v1/stores/" + s.store + "/decide?placement=home_banner&visitor="
                + URLEncoder.encode(visitor, StandardCharsets.UTF_8), s.secret, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode decisions = Json.MAPPER.readTree(r.body()).path("decisions");
        assertThat(decisions.size()).as(r.body()).isEqualTo(1);
        return decisions.get(0);
    }

    /** Shoppers {@code from … to − 1} give their address with consent and put the mat in their cart. */
    private void abandon(ClusterServer node, Ctx s, int from, int to) throws Exception {
        List<String> events = new ArrayList<>();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = from; i < to; i++) {
            HttpResponse<String> r = call(node, "PUT", "/api/v1/stores/" + s.store + "/subscribers/" + email(i), s.secret,
                    "{\"consent\": true}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"shopper%1$d","timestamp":"%2$s","properties":{"product_id":"yoga-mat","price":68,"quantity":1,"email":"%3$s"}}"""
                    .formatted(i, t, email(i)));
        }
        post(node, s, events);
    }

    private void buy(ClusterServer node, Ctx s, int from, int to) throws Exception {
        List<String> events = new ArrayList<>();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Order Completed","messageId":"buy-%1$d","anonymousId":"shopper%1$d","timestamp":"%2$s","properties":{"order_id":"o-%1$d","total":68,"currency":"USD","products":[{"product_id":"yoga-mat","price":68,"quantity":1}]}}"""
                    .formatted(i, t));
        }
        post(node, s, events);
    }

    private void post(ClusterServer node, Ctx s, List<String> events) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((s.writeKey + ":").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/batch"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + String.join(",", events) + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> call(ClusterServer node, String method, String path, String bearer, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** WooCommerce's create-coupon call, counted per code. */
    private void woocommerce(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            if (!"POST".equals(req.method().name()) || !req.path().equals("/wp-json/wc/v3/coupons")) {
                req.response().setStatusCode(404).end();
                return;
            }
            String code = new io.vertx.core.json.JsonObject(buf).getString("code");
            coupons.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
            req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                    .end("{\"id\":719,\"code\":\"" + code.toLowerCase(java.util.Locale.ROOT) + "\"}");
        });
    }

    /** The email queue's rows (state, reason, count), for a failure's message. */
    private static String sends(Database db) {
        StringBuilder b = new StringBuilder();
        try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.ResultSet rs = c.createStatement()
                .executeQuery("SELECT step, state, exit_reason, COUNT(*) FROM email_sends GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")) {
            while (rs.next()) {
                b.append(" step ").append(rs.getInt(1)).append(' ').append(rs.getString(2)).append('/')
                        .append(rs.getString(3)).append(": ").append(rs.getLong(4)).append(';');
            }
        } catch (java.sql.SQLException e) {
            b.append(e.getMessage());
        }
        return b.toString();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> detail)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; email sends:" + detail.get());
            }
            Thread.sleep(100);
        }
    }
}
