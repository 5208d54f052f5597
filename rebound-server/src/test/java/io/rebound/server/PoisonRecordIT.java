package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.log.RollingLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record no consumer can process (here: bytes that are not an event, in a valid frame) does not
 * stop the server's consumers: after a few tries each sets it aside and moves on, and /health
 * says so.
 */
class PoisonRecordIT {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void bothConsumersMovePastAPoisonRecordAndHealthShowsIt() throws Exception {
        Path data = tmp.resolve("data");
        long poisonEnd;
        try (RollingLog log = new RollingLog(data.resolve("log"), false, 128L << 20)) {
            poisonEnd = log.append(List.of("{this is not an event".getBytes(StandardCharsets.UTF_8))).join();
        }
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(data).withPort(0))) {
            long deadline = System.currentTimeMillis() + 30_000;
            JsonNode health = health(server);
            while ((health.get("indexed_position").asLong() < poisonEnd
                    || health.get("audience_position").asLong() < poisonEnd) && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
                health = health(server);
            }
            assertThat(health.get("indexed_position").asLong()).as(health.toString()).isEqualTo(poisonEnd);
            assertThat(health.get("audience_position").asLong()).as(health.toString()).isEqualTo(poisonEnd);
            JsonNode letters = health.get("dead_letters");
            assertThat(letters.get("count").asLong()).as(health.toString()).isEqualTo(2);
            assertThat(letters.get("last").get("consumer").asText()).isIn("indexer", "audience");
            assertThat(letters.get("last").get("position").asLong()).isZero();
            assertThat(letters.get("last").get("attempts").asInt()).isEqualTo(5);
            assertThat(letters.get("last").get("error").asText()).contains("corrupt event record");
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(metrics(server)).contains("rebound_dead_letters 2.0");
        }
    }

    private String metrics(ReboundServer server) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonNode health(ReboundServer server) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }
}
