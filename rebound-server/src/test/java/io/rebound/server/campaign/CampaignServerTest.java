package io.rebound.server.campaign;

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
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path in the real server ({@code ReboundServer}, as {@code rebound serve} runs it): a
 * product view through the collector puts a shopper in the segment, and the decision API answers
 * with the campaign's offer and a code issued once.
 */
class CampaignServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static JsonNode call(String method, String url, String key, String body, int expected) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        // A browser's user agent: the collector drops events from HTTP libraries such as the JDK's as bots.
        r.header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as("%s %s: %s", method, url, resp.body()).isEqualTo(expected);
        return resp.body().isEmpty() ? null : Json.MAPPER.readTree(resp.body());
    }

    @Test
    void aViewThroughTheCollectorLeadsToAnOfferWithOneCode() throws Exception {
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0))) {
            StoreRepository.Created created = server.stores().create("Yoga & Co", false);
            String store = created.store().id();
            String key = created.secretKey();
            String api = server.baseUrl() + "/api/v1/stores/" + store;
            call("PUT", api + "/products/yoga-mat", key, "{\"title\": \"Yoga mat\", \"description\": \"Non-slip\","
                    + " \"link\": \"https://shop.example/mat\", \"image_link\": \"https://shop.example/mat.jpg\","
                    + " \"price\": \"68.00\", \"cost\": \"21.00\", \"currency\": \"USD\", \"availability\": \"in_stock\"}", 201);
            String segment = call("POST", api + "/segments", key,
                    "{\"template\": \"product_viewers\", \"within_days\": 14, \"product_id\": \"yoga-mat\"}", 201)
                    .get("id").asText();
            long deadline = System.currentTimeMillis() + 60_000;
            while (!"ready".equals(call("GET", api + "/segments/" + segment, key, null, 200).get("status").asText())) {
                assertThat(System.currentTimeMillis()).as("segment ready").isLessThan(deadline);
                Thread.sleep(50);
            }
            String campaign = call("POST", api + "/campaigns", key, """
                    {"name": "Mat offer", "segment_id": "%s", "channels": {"onsite": true},
                     "touches": [{"after_hours": 0, "creative": {"products": "segment", "headline": "10 %% off"},
                                  "offer": {"percent": 10, "expires_hours": 48}}],
                     "holdout_percent": 0}""".formatted(segment), 201).get("id").asText();

            call("POST", server.baseUrl() + "/v1/collect", null, "{\"writeKey\":\"" + created.store().writeKey()
                    + "\",\"batch\":[{\"type\":\"track\",\"event\":\"Product Viewed\",\"messageId\":\"m1\","
                    + "\"anonymousId\":\"shopper-1\",\"properties\":{\"product_id\":\"yoga-mat\",\"price\":68}}]}", 200);
            JsonNode d = null;
            while (d == null) {
                JsonNode answer = call("GET", api + "/decide?visitor=shopper-1&placement=home_banner", key, null, 200);
                if (answer.get("decisions") != null && !answer.get("decisions").isEmpty()) {
                    d = answer.get("decisions").get(0);
                } else {
                    assertThat(System.currentTimeMillis()).as("the shopper joins the segment").isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
            assertThat(d.get("campaign_id").asText()).isEqualTo(campaign);
            assertThat(d.get("reason").asText()).isEqualTo("offer");
            assertThat(d.at("/creative/products/0/title").asText()).isEqualTo("Yoga mat");
            String code = d.at("/offer/code").asText();
            JsonNode again = call("GET", api + "/decide?visitor=shopper-1&placement=home_banner", key, null, 200)
                    .get("decisions").get(0);
            assertThat(again.get("reason").asText()).isEqualTo("offer_active");
            assertThat(again.at("/offer/code").asText()).isEqualTo(code);
            JsonNode stats = call("GET", api + "/campaigns/" + campaign + "/stats", key, null, 200);
            assertThat(stats.at("/touches/0/offers_issued").asLong()).isEqualTo(1);
        }
    }
}
