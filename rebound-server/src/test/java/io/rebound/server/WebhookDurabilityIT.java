package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.json.Json;
import io.rebound.server.webhooks.Signatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Answered only once durable" for store webhooks on the embedded default (H2 inbox): kill -9 the
 * server while Shopify-style order deliveries stream in; after a restart every delivery that was
 * answered 200 has become its Purchase ({@code order-{id}}), and none twice. The platform does not
 * redeliver a 200, so a delivery lost here would be an order Rebound never hears of.
 */
class WebhookDurabilityIT {
    private static final String ADMIN = "adm_webhook_durability";
    private static final String SECRET = "shopify-durability-secret-0123456789";
    private static final int VISITORS = 8;

    @TempDir
    Path tmp;

    @Test
    void everyAnsweredDeliverySurvivesKillDashNine() throws Exception {
        Path data = tmp.resolve("data");
        int port = ServerProcess.freePort();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Set<Long> answered = ConcurrentHashMap.newKeySet();
        byte[] template;
        try (InputStream in = getClass().getResourceAsStream("webhooks/shopify-orders-create.json")) {
            template = in.readAllBytes();
        }
        String storeId;
        String secretKey;
        try (ServerProcess server = ServerProcess.start(data, port, ADMIN, false)) {
            var created = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores"))
                    .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Webhook durability\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode store = Json.MAPPER.readTree(created.body());
            storeId = store.get("id").asText();
            secretKey = store.get("secret_key").asText();
            var secret = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + storeId
                            + "/webhooks/shopify")).header("Authorization", "Bearer " + secretKey)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"secret\": \"" + SECRET + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(secret.statusCode()).as(secret.body()).isEqualTo(200);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger seq = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(12);
            URI endpoint = URI.create(server.baseUrl() + "/webhooks/" + storeId + "/shopify");
            for (int t = 0; t < 12; t++) {
                load.submit(() -> {
                    while (!stop.get()) {
                        long orderId = 820_000_000L + seq.incrementAndGet();
                        byte[] body = order(template, orderId);
                        try {
                            var r = client.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5))
                                    .header("Content-Type", "application/json")
                                    .header("X-Shopify-Topic", "orders/create")
                                    .header("X-Shopify-Webhook-Id", "delivery-" + orderId)
                                    .header("X-Shopify-Shop-Domain", "yoga-shop.myshopify.com")
                                    .header("X-Shopify-Hmac-Sha256", Signatures.sign(body, SECRET))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 200) {
                                answered.add(orderId);
                            }
                        } catch (Exception e) {
                            // refused after the kill: never answered, so Shopify would deliver it again
                        }
                    }
                    return null;
                });
            }
            while (answered.size() < 600) {
                Thread.sleep(10);
            }
            server.kill();
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        try (ServerProcess restarted = ServerProcess.start(data, port, ADMIN, false)) {
            Set<Long> purchased = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            do {
                purchased.clear();
                for (int v = 0; v < VISITORS; v++) {
                    var r = client.send(HttpRequest.newBuilder(URI.create(restarted.baseUrl() + "/api/v1/stores/"
                                    + storeId + "/visitors/durable-" + v + "/events?limit=10000"))
                            .header("Authorization", "Bearer " + secretKey).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isIn(200, 404);
                    if (r.statusCode() == 404) {
                        continue;
                    }
                    for (JsonNode e : Json.MAPPER.readTree(r.body()).get("events")) {
                        String id = e.get("event_id").asText();
                        if (id.startsWith("order-")) {
                            assertThat(purchased.add(Long.parseLong(id.substring(6)))).as("one purchase: " + e).isTrue();
                        }
                    }
                }
                if (purchased.containsAll(answered)) {
                    break;
                }
                Thread.sleep(500);
            } while (System.nanoTime() < deadline);
            Set<Long> lost = new HashSet<>(answered);
            lost.removeAll(purchased);
            assertThat(lost).as("answered 200 (of %d) but lost after kill -9", answered.size()).isEmpty();
        }
    }

    /** Shopify's documented orders/create example with this order's id, a customer of its own and a visitor. */
    private static byte[] order(byte[] template, long orderId) {
        try {
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(template);
            String email = "buyer+" + orderId + "@example.com";
            o.put("id", orderId).put("created_at", Instant.now().minus(1, ChronoUnit.MINUTES).toString())
                    .put("email", email).put("contact_email", email);
            ((ObjectNode) o.get("customer")).put("id", orderId);
            o.putArray("note_attributes").addObject().put("name", "_rb_aid").put("value", "durable-" + orderId % VISITORS);
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
