package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compatibility with existing Segment clients: the official {@code @segment/analytics-node}, installed
 * from npm and used unmodified, sends a journey to Rebound; every event must arrive, mapped to the
 * canonical types.
 */
class SegmentClientIT {
    @TempDir
    Path dir;

    @Test
    void officialSegmentNodeClientWorksUnmodified() throws Exception {
        Path client = Path.of("src/test/node/segment-client").toAbsolutePath();
        Path work = dir.resolve("client");
        Files.createDirectories(work);
        for (String f : List.of("package.json", "send.js")) {
            Files.copy(client.resolve(f), work.resolve(f));
        }
        run(work, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(dir.resolve("data")).withPort(0))) {
            StoreRepository.Created store = server.stores().create("Segment compat", false);
            String out = run(work, "node", "send.js", server.baseUrl(), store.store().writeKey(), "seg-anon-1");
            assertThat(out).contains("sent");

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                            + "/api/v1/stores/" + store.store().id() + "/visitors/seg-anon-1/events"))
                    .header("Authorization", "Bearer " + store.secretKey()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode events = Json.MAPPER.readTree(r.body()).get("events");
            assertThat(events).extracting(e -> e.get("type").asText())
                    .containsExactlyInAnyOrder("PageView", "ViewContent", "AddToCart", "Identify", "Purchase");
            for (JsonNode e : events) {
                assertThat(e.get("source").asText()).isEqualTo("SEGMENT");
                if (e.get("type").asText().equals("Purchase")) {
                    assertThat(e.get("value").decimalValue()).isEqualByComparingTo("68");
                    assertThat(e.get("product_ids").get(0).asText()).isEqualTo("yoga-mat");
                    assertThat(e.get("user_id").asText()).isEqualTo("cust-42");
                }
            }
            assertThat(r.body()).doesNotContainIgnoringCase("yogi@example.com");
        }
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        File log = cwd.resolve("out-" + cmd[0] + ".log").toFile();
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("%s timed out", String.join(" ", cmd)).isTrue();
        String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + " failed:\n" + out).isZero();
        return out;
    }
}
