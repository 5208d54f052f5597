package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.log.SmallVolume;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The collector on a disk that fills up for real (a 2 MB tmpfs under the log): while it is full,
 * clients get 503 with Retry-After and the torn record of the failed write is cut away; once space
 * returns, accepting resumes by itself; after a restart every acknowledged event is there.
 */
class FullDiskIT {
    private static final String VISITOR = "v-full-disk";
    /**
     * Properties making the event's record larger than a 4 KB page (strings are cut at 1,000
     * characters, so several), so the failed write is necessarily torn: part fits, the rest does not.
     */
    private static final String PADDING = IntStream.range(0, 10)
            .mapToObj(i -> ",\"note" + i + "\":\"" + "x".repeat(900) + "\"").collect(Collectors.joining());

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aFullDiskAnswers503LosesNothingAcknowledgedAndAcceptingResumesWhenSpaceReturns() throws Exception {
        Path data = tmp.resolve("data");
        Path logFile = data.resolve("log").resolve(String.format("%020d.log", 0));
        ServerConfig config = ServerConfig.defaults(data).withPort(0).withRateLimit(1_000_000, 1_000_000);
        List<String> acknowledged = new ArrayList<>();
        StoreRepository.Created store;
        try (SmallVolume disk = SmallVolume.mount(data.resolve("log"), 2)) {
            try (ReboundServer server = ReboundServer.start(config)) {
                store = server.stores().create("Full disk", false);
                for (int i = 0; i < 5; i++) {
                    acknowledged.add(accepted(server, store, "before-" + i, ""));
                }
                while (Files.size(logFile) % 4096 == 0) {
                    acknowledged.add(accepted(server, store, "before-" + acknowledged.size(), ""));
                }

                disk.fill();
                for (int i = 0; i < 3; i++) {
                    var r = track(server, store, "full-" + i, PADDING);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertThat(json(r).get("error").asText()).isEqualTo("log_unavailable");
                    JsonNode health = health(server);
                    assertThat(Files.size(logFile)).as("the torn record is cut back to the last good end")
                            .isEqualTo(health.get("log_end").asLong());
                    assertThat(health.get("status").asText()).isEqualTo("degraded");
                    assertThat(health.get("log_writable").asBoolean()).isFalse();
                    assertThat(health.get("log_write_failure").asText()).containsIgnoringCase("space");
                }

                disk.free();
                for (int i = 0; i < 5; i++) {
                    acknowledged.add(accepted(server, store, "after-" + i, PADDING));
                }
                JsonNode health = health(server);
                assertThat(health.get("status").asText()).isEqualTo("ok");
                assertThat(health.get("log_writable").asBoolean()).isTrue();
                assertThat(Files.size(logFile)).isEqualTo(health.get("log_end").asLong());
            }
            try (ReboundServer server = ReboundServer.start(config)) {
                assertThat(eventIds(server, store)).containsAll(acknowledged).noneMatch(id -> id.startsWith("full-"));
            }
        }
    }

    private String accepted(ReboundServer server, StoreRepository.Created store, String id, String padding)
            throws Exception {
        var r = track(server, store, id, padding);
        assertThat(r.statusCode()).as(id + ": " + r.body()).isEqualTo(200);
        return id;
    }

    private HttpResponse<String> track(ReboundServer server, StoreRepository.Created store, String id, String padding)
            throws Exception {
        String body = """
                {"type":"track","event":"Product Viewed","messageId":"%s","anonymousId":"%s","timestamp":"%s",
                 "properties":{"product_id":"yoga-mat","price":68,"currency":"USD"%s}}
                """.formatted(id, VISITOR, Instant.now(), padding);
        String auth = "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":")
                .getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode health(ReboundServer server) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return json(r);
    }

    private Set<String> eventIds(ReboundServer server, StoreRepository.Created store) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + store.store().id()
                        + "/visitors/" + VISITOR + "/events?limit=100"))
                .header("Authorization", "Bearer " + store.secretKey()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Set<String> ids = new HashSet<>();
        json(r).get("events").forEach(e -> ids.add(e.get("event_id").asText()));
        return ids;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }
}
