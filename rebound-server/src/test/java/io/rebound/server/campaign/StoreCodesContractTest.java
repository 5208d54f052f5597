package io.rebound.server.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Codes created in the shop, against a local HTTP server that stands in for Shopify's Admin API and
 * WooCommerce's REST API and checks every request against their documented format (path, method,
 * authentication header, every body field); dry-run sends nothing and records the requests; a refused
 * creation is retried and then left failed; credentials are encrypted at rest and never returned.
 */
class StoreCodesContractTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "shpat_0123456789abcdef0123456789abcdef";

    @TempDir
    Path root;
    Database database;
    MutableClock clock;
    Vertx vertx;
    String rebound;
    String platform;
    String store;
    String key;
    String campaign;
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger refuse = new AtomicInteger();
    StoreCodePusher pusher;

    @BeforeEach
    void start() throws Exception {
        database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        store = a.store().id();
        key = a.secretKey();
        clock = new MutableClock(T0);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ServerConfig config = ServerConfig.defaults(root.resolve("data"));
        ServerRoutes.storeCodes(config, vertx, database, stores, clock, Duration.ofHours(1)).forEach(g -> g.accept(router));
        rebound = "http://127.0.0.1:" + vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
        HttpServer fake = vertx.createHttpServer().requestHandler(this::platform).listen(0, "127.0.0.1").await();
        platform = "http://127.0.0.1:" + fake.actualPort();
        JdbcCampaigns campaigns = new JdbcCampaigns(database.dataSource(), clock);
        campaign = campaigns.create(store, CampaignDefinitions.parse(Map.of("name", "Yoga mat viewers", "segment_id", "seg_1",
                "channels", Map.of("onsite", true), "touches", List.of(
                        Map.of("after_hours", 0, "creative", Map.of("products", List.of("yoga-mat"), "headline", "Hi")),
                        Map.of("after_hours", 72, "creative", Map.of("products", List.of("yoga-mat"), "headline", "10 %"),
                                "offer", Map.of("percent", 10, "minimum_order", Map.of("amount", 50, "currency", "USD"),
                                        "expires_hours", 48)))))).id();
        pusher = new StoreCodePusher(new JdbcCodeStores(database.dataSource(),
                io.rebound.server.activation.CredentialKeys.inDirectory(root.resolve("data")), clock), campaigns,
                new StoreDiscounts(HTTP));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        database.close();
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            violations.add(what);
        }
    }

    /** Shopify's and WooCommerce's documented create calls, checked field by field. */
    private void platform(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            String path = req.path();
            received.add(req.method() + " " + path);
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(buf.toString(StandardCharsets.UTF_8));
            } catch (Exception e) {
                violations.add(path + ": body is not JSON");
                req.response().setStatusCode(400).end();
                return;
            }
            check("POST".equals(req.method().name()), path + ": method");
            check(String.valueOf(req.getHeader("Content-Type")).startsWith("application/json"), path + ": content type");
            if (refuse.get() > 0) {
                refuse.decrementAndGet();
                req.response().setStatusCode(422).end("{\"errors\":{\"code\":[\"must be unique\"]}}");
                return;
            }
            if (path.equals("/admin/api/2025-07/price_rules.json")) {
                check(TOKEN.equals(req.getHeader("X-Shopify-Access-Token")), "X-Shopify-Access-Token");
                JsonNode r = body.path("price_rule");
                check(r.path("title").asText().startsWith("RB-"), "title");
                check("line_item".equals(r.path("target_type").asText()), "target_type");
                check("all".equals(r.path("target_selection").asText()), "target_selection");
                check("across".equals(r.path("allocation_method").asText()), "allocation_method");
                check("percentage".equals(r.path("value_type").asText()), "value_type");
                check("-10.0".equals(r.path("value").asText()), "value must be negative: " + r.path("value"));
                check("all".equals(r.path("customer_selection").asText()), "customer_selection");
                check(r.path("once_per_customer").asBoolean(), "once_per_customer");
                check(r.path("usage_limit").asInt() == 1, "usage_limit");
                check(T0.toString().equals(r.path("starts_at").asText()), "starts_at");
                check(T0.plus(Duration.ofHours(48)).toString().equals(r.path("ends_at").asText()), "ends_at");
                check("50.00".equals(r.path("prerequisite_subtotal_range").path("greater_than_or_equal_to").asText()),
                        "prerequisite_subtotal_range");
                req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                        .end("{\"price_rule\":{\"id\":507328175,\"title\":\"" + r.path("title").asText() + "\"}}");
            } else if (path.equals("/admin/api/2025-07/price_rules/507328175/discount_codes.json")) {
                check(TOKEN.equals(req.getHeader("X-Shopify-Access-Token")), "X-Shopify-Access-Token");
                check(body.path("discount_code").path("code").asText().startsWith("RB-"), "discount_code.code");
                check(body.size() == 1 && body.path("discount_code").size() == 1, "discount_code: only the code");
                req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                        .end("{\"discount_code\":{\"id\":1054381139,\"code\":\"" + body.path("discount_code").path("code").asText() + "\"}}");
            } else if (path.equals("/wp-json/wc/v3/coupons")) {
                String expected = "Basic " + Base64.getEncoder().encodeToString("ck_live_1234:cs_live_5678".getBytes(StandardCharsets.UTF_8));
                check(expected.equals(req.getHeader("Authorization")), "basic auth");
                check(body.path("code").asText().startsWith("RB-"), "code");
                check("percent".equals(body.path("discount_type").asText()), "discount_type");
                check("10".equals(body.path("amount").asText()) && body.path("amount").isTextual(), "amount is a string");
                check(body.path("individual_use").asBoolean(), "individual_use");
                check(body.path("usage_limit").asInt() == 1, "usage_limit");
                check(body.path("usage_limit_per_user").asInt() == 1, "usage_limit_per_user");
                check("2026-03-04T10:00:00".equals(body.path("date_expires_gmt").asText()), "date_expires_gmt");
                check("50.00".equals(body.path("minimum_amount").asText()), "minimum_amount");
                req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                        .end("{\"id\":719,\"code\":\"" + body.path("code").asText().toLowerCase() + "\"}");
            } else {
                violations.add("unexpected " + req.method() + " " + path);
                req.response().setStatusCode(404).end();
            }
        });
    }

    private HttpResponse<String> call(String method, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(rebound + "/api/v1/stores/" + store + "/code-store"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
        return HTTP.send(r.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String issue(String person) {
        return new JdbcOffers(database.dataSource()).issue(campaign, store, person, 1, 10, T0, T0.plus(Duration.ofHours(48))).code();
    }

    private String[] state(String code) {
        return new JdbcCodeStores(database.dataSource(),
                io.rebound.server.activation.CredentialKeys.inDirectory(root.resolve("data")), clock).state(code).orElseThrow();
    }

    @Test
    void shopifyGetsAPriceRuleThenItsDiscountCodeInTheDocumentedFormat() throws Exception {
        HttpResponse<String> r = call("PUT", """
                {"platform": "shopify", "shop_url": "%s", "api_version": "2025-07", "access_token": "%s", "mode": "live"}"""
                .formatted(platform, TOKEN));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(TOKEN).contains("…cdef");
        String code = issue("p1");
        assertThat(pusher.runOnce()).isEqualTo(1);
        assertThat(violations).isEmpty();
        assertThat(received).containsExactly("POST /admin/api/2025-07/price_rules.json",
                "POST /admin/api/2025-07/price_rules/507328175/discount_codes.json");
        assertThat(state(code)[0]).isEqualTo("created");
        assertThat(pusher.runOnce()).as("created once").isZero();
        try (Connection c = database.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT credentials FROM campaign_code_stores")) {
            rs.next();
            assertThat(rs.getString(1)).as("encrypted at rest").doesNotContain(TOKEN).doesNotContain("shpat");
        }
        assertThat(call("GET", null).body()).doesNotContain(TOKEN).contains("\"mode\":\"live\"");
    }

    @Test
    void wooCommerceGetsACouponAndARefusalIsRetriedThenLeftFailed() throws Exception {
        assertThat(call("PUT", """
                {"platform": "woocommerce", "shop_url": "%s", "consumer_key": "ck_live_1234", "consumer_secret": "cs_live_5678",
                 "mode": "live"}""".formatted(platform)).statusCode()).isEqualTo(200);
        String first = issue("p1");
        assertThat(pusher.runOnce()).isEqualTo(1);
        assertThat(violations).isEmpty();
        assertThat(received).containsExactly("POST /wp-json/wc/v3/coupons");
        assertThat(state(first)[0]).isEqualTo("created");

        String second = issue("p2");
        refuse.set(100);
        for (int i = 0; i < JdbcCodeStores.MAX_ATTEMPTS + 2; i++) {
            pusher.runOnce();
        }
        String[] s = state(second);
        assertThat(s[0]).isEqualTo("failed");
        assertThat(s[1]).contains("HTTP 422").contains("must be unique");
        assertThat(s[2]).isEqualTo(String.valueOf(JdbcCodeStores.MAX_ATTEMPTS));
        assertThat(received).hasSize(1 + JdbcCodeStores.MAX_ATTEMPTS);
    }

    @Test
    void dryRunSendsNothingAndRecordsTheRequests() throws Exception {
        assertThat(call("PUT", """
                {"platform": "shopify", "shop_url": "https://yoga-shop.myshopify.com", "access_token": "%s"}"""
                .formatted(TOKEN)).body()).contains("\"mode\":\"dry_run\"").contains("\"api_version\":\"2025-07\"");
        String code = issue("p1");
        assertThat(pusher.runOnce()).isEqualTo(1);
        assertThat(received).isEmpty();
        String[] s = state(code);
        assertThat(s[0]).isEqualTo("dry_run");
        assertThat(s[1]).contains("https://yoga-shop.myshopify.com/admin/api/2025-07/price_rules.json")
                .contains("\\\"value\\\":\\\"-10.0\\\"").contains("discount_codes.json").doesNotContain(TOKEN);
    }

    @Test
    void aBadConnectionNamesEveryFieldAndIsNotStored() throws Exception {
        HttpResponse<String> r = call("PUT", "{\"platform\": \"shopify\", \"shop_url\": \"ftp://x\", \"api_version\": \"latest\", "
                + "\"mode\": \"maybe\", \"token\": \"x\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("invalid_code_store").contains("\"shop_url\"").contains("\"api_version\"")
                .contains("\"mode\"").contains("\"access_token\"").contains("\"token\"");
        r = call("PUT", "{\"platform\": \"magento\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"platform\"");
        assertThat(call("GET", null).statusCode()).isEqualTo(404);
        assertThat(call("PUT", """
                {"platform": "woocommerce", "shop_url": "https://shop.example", "consumer_key": "ck_1", "consumer_secret": "cs_1"}""")
                .statusCode()).isEqualTo(200);
        assertThat(call("DELETE", null).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", null).statusCode()).isEqualTo(404);
    }
}
