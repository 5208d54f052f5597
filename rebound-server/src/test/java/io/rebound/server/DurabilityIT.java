package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** "Durable before acknowledged": kill -9 the server under load; every acknowledged event survives. */
class DurabilityIT {
    private static final String ADMIN = "adm_durability_test";
    private static final int VISITORS = 16;

    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedEventSurvivesKillDashNine() throws Exception {
        runKillTest(false);
    }

    @Test
    void everyAcknowledgedEventSurvivesKillDashNineWithFsync() throws Exception {
        runKillTest(true);
    }

    private void runKillTest(boolean fsync) throws Exception {
        Path data = tmp.resolve("data");
        int port = ServerProcess.freePort();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        String storeId;
        String writeKey;
        String secret;
        try (ServerProcess server = ServerProcess.start(data, port, ADMIN, fsync)) {
            var created = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores"))
                    .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Durability\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode store = Json.MAPPER.readTree(created.body());
            storeId = store.get("id").asText();
            writeKey = store.get("write_key").asText();
            secret = store.get("secret_key").asText();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger seq = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(16);
            String auth = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes());
            for (int t = 0; t < 16; t++) {
                load.submit(() -> {
                    while (!stop.get()) {
                        int n = seq.incrementAndGet();
                        String id = "m-" + n;
                        String body = """
                                {"type":"track","event":"Product Viewed","messageId":"%s","anonymousId":"v-%d",
                                 "timestamp":"%s","properties":{"product_id":"yoga-mat","price":68,"currency":"USD"}}
                                """.formatted(id, n % VISITORS, Instant.now());
                        try {
                            var r = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                                    .header("Authorization", auth).header("Content-Type", "application/json")
                                    .timeout(Duration.ofSeconds(5))
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 200) {
                                acknowledged.add(id);
                            }
                        } catch (Exception e) {
                            // connection refused after the kill: not acknowledged, nothing to check
                        }
                    }
                    return null;
                });
            }
            while (acknowledged.size() < 3_000) {
                Thread.sleep(20);
            }
            server.kill();
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(3_000);

        try (ServerProcess restarted = ServerProcess.start(data, port, ADMIN, fsync)) {
            Set<String> stored = new HashSet<>();
            for (int v = 0; v < VISITORS; v++) {
                var r = client.send(HttpRequest.newBuilder(URI.create(restarted.baseUrl() + "/api/v1/stores/" + storeId
                                + "/visitors/v-" + v + "/events?limit=10000"))
                        .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                for (JsonNode e : Json.MAPPER.readTree(r.body()).get("events")) {
                    assertThat(stored.add(e.get("event_id").asText())).as("stored once: " + e).isTrue();
                }
            }
            Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(stored);
            assertThat(missing).as("acknowledged but lost after kill -9").isEmpty();
        }
    }
}
