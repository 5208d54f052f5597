package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog as the embedded server wires it: products in through the API, a pixel event in
 * through the collector, the coverage seen by the dashboard's funnel, and the feed served.
 */
class CatalogServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/124.0 Safari/537.36";

    @TempDir
    Path dir;

    private static HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theEmbeddedServerServesTheCatalogApiFeedsAndCoverage() throws Exception {
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0))) {
            StoreRepository.Created store = server.stores().create("Yoga shop", false);
            String api = server.baseUrl() + "/api/v1/stores/" + store.store().id();
            String bearer = "Bearer " + store.secretKey();
            HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(api + "/products/yoga-mat"))
                    .header("Authorization", bearer).PUT(HttpRequest.BodyPublishers.ofString(
                            CatalogApiTest.product("yoga-mat", "68"))));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

            String basic = "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":")
                    .getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> track = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                    .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                    .header("Authorization", basic).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"event\":\"Product Added\",\"messageId\":\"m1\",\"anonymousId\":\"v1\","
                                    + "\"properties\":{\"products\":[{\"product_id\":\"yoga-mat\"},{\"product_id\":\"strap\"}]}}")));
            assertThat(track.statusCode()).as(track.body()).isEqualTo(200);

            JsonNode coverage = null;
            for (int i = 0; i < 100; i++) {
                coverage = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(api + "/catalog/coverage"))
                        .header("Authorization", bearer)).body());
                if (coverage.get("event_product_ids").asInt() == 2) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(coverage.get("event_product_ids").asInt()).isEqualTo(2);
            assertThat(coverage.get("missing_sample").get(0).asText()).isEqualTo("strap");

            JsonNode feeds = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(api + "/catalog/feeds"))
                    .header("Authorization", bearer)).body());
            String google = feeds.get("feeds").get(0).get("url").asText();
            HttpResponse<String> feed = send(HttpRequest.newBuilder(URI.create(google)));
            assertThat(feed.statusCode()).isEqualTo(200);
            assertThat(feed.body()).contains("<g:id>yoga-mat</g:id>").contains("<g:price>68.00 USD</g:price>");
        }
    }
}
