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
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The redemption API of Rebound-issued codes over real HTTP and H2: a code is checked against the
 * offer's minimum order, redeemed once (a second or concurrent redemption is a 409 naming the order),
 * refused after its expiry (410), and invisible to another store (404).
 */
class CodesApiTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path root;
    Database database;
    MutableClock clock;
    Vertx vertx;
    String base;
    String storeA;
    String keyA;
    String keyB;
    String code;

    @BeforeEach
    void start() {
        database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        StoreRepository.Created b = stores.create("Other", false);
        storeA = a.store().id();
        keyA = a.secretKey();
        keyB = b.secretKey();
        clock = new MutableClock(T0);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ServerRoutes.recovery(ServerConfig.defaults(root.resolve("data")), database, stores, clock)
                .forEach(g -> g.accept(router));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
        CampaignRecord c = new JdbcCampaigns(database.dataSource(), clock).create(storeA, CampaignDefinitions.parse(
                java.util.Map.of("name", "Yoga mat viewers", "segment_id", "seg_1",
                        "channels", java.util.Map.of("onsite", true),
                        "touches", List.of(java.util.Map.of("after_hours", 0, "creative", java.util.Map.of(
                                        "products", List.of("yoga-mat"), "headline", "Hi")),
                                java.util.Map.of("after_hours", 72, "creative", java.util.Map.of(
                                        "products", List.of("yoga-mat"), "headline", "10 % off"), "offer", java.util.Map.of(
                                        "percent", 10, "minimum_order", java.util.Map.of("amount", 50, "currency", "USD"),
                                        "expires_hours", 48))))));
        code = new JdbcOffers(database.dataSource()).issue(c.id(), storeA, "person-1", 1, 10, T0, T0.plus(Duration.ofHours(48)))
                .code();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        database.close();
    }

    private HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json");
        return HTTP.send(r.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String redeemPath() {
        return "/api/v1/stores/" + storeA + "/codes/" + code + "/redeem";
    }

    @Test
    void aCodeIsRedeemedOnceForAnOrderOverItsMinimum() throws Exception {
        HttpResponse<String> r = call("GET", "/api/v1/stores/" + storeA + "/codes/" + code, keyA, null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode json = Json.MAPPER.readTree(r.body());
        assertThat(json.path("status").asText()).isEqualTo("active");
        assertThat(json.path("percent").asInt()).isEqualTo(10);
        assertThat(json.path("minimum_order").path("amount").asText()).isEqualTo("50");

        r = call("POST", redeemPath(), keyA, "{\"order_id\": \"1001\", \"order_value\": {\"amount\": 49.99, \"currency\": \"USD\"}}");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("order_below_minimum").contains("order_value.amount");
        r = call("POST", redeemPath(), keyA, "{\"order_id\": \"1001\", \"order_value\": {\"amount\": 60, \"currency\": \"EUR\"}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("order_value.currency");
        r = call("POST", redeemPath(), keyA, "{\"order\": \"1001\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"field\":\"order\"");

        clock.set(T0.plus(Duration.ofHours(1)));
        r = call("POST", redeemPath(), keyA, "{\"order_id\": \"1002\", \"order_value\": {\"amount\": 68, \"currency\": \"USD\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        json = Json.MAPPER.readTree(r.body());
        assertThat(json.path("status").asText()).isEqualTo("redeemed");
        assertThat(json.path("order_id").asText()).isEqualTo("1002");
        assertThat(json.path("redeemed_at").asText()).isEqualTo(T0.plus(Duration.ofHours(1)).toString());

        r = call("POST", redeemPath(), keyA, "{\"order_id\": \"1003\"}");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("code_already_redeemed").contains("1002");
    }

    @Test
    void concurrentRedemptionsOfOneCodeLetExactlyOneThrough() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + redeemPath())).header("Authorization", "Bearer " + keyA)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"order_id\": \"o" + i + "\"}")).build();
            calls.add(HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = calls.stream().map(f -> f.join().statusCode()).toList();
        assertThat(statuses).containsOnly(200, 409).filteredOn(s -> s == 200).hasSize(1);
    }

    @Test
    void anExpiredCodeAndAnotherStoresCodeAreRefused() throws Exception {
        assertThat(call("GET", "/api/v1/stores/" + storeA + "/codes/" + code, keyB, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/v1/stores/" + storeA + "/codes/RB-NOPE", keyA, null).statusCode()).isEqualTo(404);
        clock.set(T0.plus(Duration.ofHours(48)));
        HttpResponse<String> r = call("POST", redeemPath(), keyA, null);
        assertThat(r.statusCode()).isEqualTo(410);
        assertThat(r.body()).contains("code_expired");
        assertThat(Json.MAPPER.readTree(call("GET", "/api/v1/stores/" + storeA + "/codes/" + code, keyA, null).body())
                .path("status").asText()).isEqualTo("expired");
    }
}
