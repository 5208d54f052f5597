package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Posts signed deliveries to a running server the way Shopify and WooCommerce do, and reads back what they became. */
record WebhookClient(ReboundServer server) {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    record Response(int status, JsonNode json, String body) {
    }

    Response deliver(StoreRepository.Created store, String platform, String topic, String deliveryId, byte[] body,
                     String secret) throws Exception {
        boolean shopify = platform.equals("shopify");
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/webhooks/" + store.store().id()
                        + "/" + platform)).header("Content-Type", "application/json")
                .header(shopify ? "X-Shopify-Topic" : "X-WC-Webhook-Topic", topic)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (secret != null) {
            r.header(shopify ? "X-Shopify-Hmac-Sha256" : "X-WC-Webhook-Signature", Signatures.sign(body, secret));
        }
        if (deliveryId != null) {
            r.header(shopify ? "X-Shopify-Webhook-Id" : "X-WC-Webhook-Delivery-ID", deliveryId);
        }
        if (shopify) {
            r.header("X-Shopify-Shop-Domain", "yoga-shop.myshopify.com");
        }
        return send(r);
    }

    Response api(String method, StoreRepository.Created store, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + store.store().id() + path))
                .header("Authorization", "Bearer " + store.secretKey())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    Response send(HttpRequest.Builder r) throws Exception {
        HttpResponse<String> resp = HTTP.send(r.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json") && !resp.body().isEmpty()) {
            json = Json.MAPPER.readTree(resp.body());
        }
        return new Response(resp.statusCode(), json, resp.body());
    }

    /** The visitor's events of {@code type}, once every stored delivery is processed. */
    List<JsonNode> events(StoreRepository.Created store, String visitor, String type) throws Exception {
        awaitProcessed();
        WebhookApiTest.await(() -> !read(store, visitor, type).isEmpty());
        return read(store, visitor, type);
    }

    List<JsonNode> read(StoreRepository.Created store, String visitor, String type) throws Exception {
        Response r = api("GET", store, "/visitors/" + visitor + "/events", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("events").forEach(e -> {
            if (type == null || e.get("type").asText().equals(type) || e.path("name").asText().equals(type)) {
                out.add(e);
            }
        });
        return out;
    }

    void awaitProcessed() throws Exception {
        WebhookApiTest.await(() -> count("processed_at IS NULL") == 0);
    }

    /** Stored deliveries matching {@code where}. */
    long count(String where) throws Exception {
        try (Connection c = server.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM webhook_deliveries WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
