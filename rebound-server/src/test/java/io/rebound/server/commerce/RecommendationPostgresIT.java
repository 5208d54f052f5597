package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Complements, rules and a buyer's recommendations with the metadata in PostgreSQL on
 * 127.0.0.1:5432 (migration V16 and the point reads as PostgreSQL runs them).
 */
class RecommendationPostgresIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static PostgresTestDatabase db;
    static ReboundServer server;

    @BeforeAll
    static void start() {
        db = PostgresTestDatabase.create();
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0)
                .withDatabase(db.jdbcUrl(), PostgresTestDatabase.USER, null));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (db != null) {
            db.drop();
        }
    }

    private static JsonNode call(String method, String url, String key, String body, int expected) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as("%s %s: %s", method, url, resp.body()).isEqualTo(expected);
        return Json.MAPPER.readTree(resp.body());
    }

    private static String product(String id, String cost) {
        return ("{\"title\": \"%s\", \"description\": \"%s\", \"link\": \"https://shop.example/%s\", \"image_link\":"
                + " \"https://shop.example/%s.jpg\", \"price\": \"20.00\", \"cost\": \"%s\", \"currency\": \"USD\","
                + " \"availability\": \"in_stock\"}").formatted(id, id, id, id, cost);
    }

    @Test
    void aBuyerIsShownTheComplementsThatPassTheMarginFloor() throws Exception {
        StoreRepository.Created s = server.stores().create("Yoga on Postgres", false);
        String api = server.baseUrl() + "/api/v1/stores/" + s.store().id();
        call("PUT", api + "/products/mat", s.secretKey(), product("mat", "5.00"), 201);
        call("PUT", api + "/products/block", s.secretKey(), product("block", "5.00"), 201);
        call("PUT", api + "/products/strap", s.secretKey(), product("strap", "15.00"), 201);
        call("PUT", api + "/products/mat/complements", s.secretKey(), "{\"complements\": [\"strap\", \"block\"]}", 200);
        assertThat(call("PUT", api + "/recommendations/rules", s.secretKey(),
                "{\"in_stock_only\": true, \"min_margin_percent\": \"50.5\"}", 200).get("min_margin_percent").asText())
                .isEqualTo("50.50");
        call("POST", server.baseUrl() + "/v1/collect", null, "{\"writeKey\":\"" + s.store().writeKey()
                + "\",\"batch\":[{\"type\":\"track\",\"event\":\"Order Completed\",\"messageId\":\"o1\","
                + "\"anonymousId\":\"buyer\",\"properties\":{\"products\":[{\"product_id\":\"mat\"}]}}]}", 200);
        JsonNode r = null;
        long deadline = System.currentTimeMillis() + 30_000;
        while (r == null || r.get("recommendations") == null || r.get("recommendations").isEmpty()) {
            assertThat(System.currentTimeMillis()).as("the buyer's order arrives").isLessThan(deadline);
            HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/visitors/buyer/recommendations"))
                    .header("Authorization", "Bearer " + s.secretKey()).build(), HttpResponse.BodyHandlers.ofString());
            r = resp.statusCode() == 200 ? Json.MAPPER.readTree(resp.body()) : null;
            Thread.sleep(50);
        }
        // The strap earns 25 %: below the floor.
        assertThat(r.get("recommendations")).hasSize(1);
        assertThat(r.at("/recommendations/0/product_id").asText()).isEqualTo("block");
        assertThat(r.at("/recommendations/0/related_to").asText()).isEqualTo("mat");
        assertThat(call("GET", api + "/products/mat/complements", s.secretKey(), null, 200).get("complements").toString())
                .isEqualTo("[\"strap\",\"block\"]");
    }
}
