package io.rebound.server.http;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ad platforms' ids through the real server: sent in {@code context.clickIds} (or as the noscript
 * GIF's parameters), stored with the event and shown by the visitor events API; dropped and counted
 * without advertising consent; a bad one refused with a 400 naming it.
 */
class ClickIdsHttpTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("Click ids", false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> collect(String messages) throws Exception {
        String body = "{\"writeKey\":\"" + store.store().writeKey() + "\",\"batch\":[" + messages + "]}";
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect"))
                .header("Content-Type", "text/plain").header("User-Agent", CollectorHttpTest.BROWSER)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode events(String visitor) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + store.store().id()
                        + "/visitors/" + visitor + "/events")).header("Authorization", "Bearer " + store.secretKey()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).get("events");
    }

    private static double droppedCount() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^rebound_events_click_ids_dropped_total(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("the counter is exported").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static String message(String visitor, String consent) {
        return "{\"type\":\"track\",\"event\":\"AddToCart\",\"messageId\":\"" + visitor + "-1\",\"anonymousId\":\"" + visitor
                + "\",\"context\":{\"page\":{\"url\":\"https://shop.example/mat?gclid=G.landing\"},\"clickIds\":{"
                + "\"fbp\":\"fb.1.1700000000000.123456789\",\"fbc\":\"fb.1.1700000000000.abc\",\"ttp\":\"ttp-1\","
                + "\"epik\":\"e1\",\"ga_client_id\":\"123.456\"}" + consent + "}}";
    }

    @Test
    void theIdsAreStoredWithTheEventAndShownByTheVisitorEventsApi() throws Exception {
        var r = collect(message("ids-v", ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode ids = events("ids-v").get(0).get("click_ids");
        assertThat(ids).isEqualTo(Json.MAPPER.readTree("""
                {"fbp": "fb.1.1700000000000.123456789", "fbc": "fb.1.1700000000000.abc", "ttp": "ttp-1", "epik": "e1",
                 "ga_client_id": "123.456", "gclid": "G.landing"}"""));
    }

    @Test
    void withoutAdvertisingConsentTheIdsAreDroppedAndCounted() throws Exception {
        double before = droppedCount();
        var r = collect(message("denied-v", ",\"consent\":{\"ad_personalization\":\"denied\"}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode event = events("denied-v").get(0);
        assertThat(event.path("click_ids").size()).isZero();
        assertThat(event.get("page_url").asText()).isEqualTo("https://shop.example/mat");
        assertThat(droppedCount()).isEqualTo(before + 1);
    }

    @Test
    void aBadIdIsA400NamingTheField() throws Exception {
        var r = collect("{\"type\":\"page\",\"anonymousId\":\"bad-v\",\"context\":{\"clickIds\":{\"fbc\":\"IwAR1\"}}}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("field").asText()).isEqualTo("batch[0].context.clickIds.fbc");
        assertThat(body.get("message").asText()).contains("fb.{subdomain index}.{ms}.{value}");
        assertThat(events("bad-v")).isEmpty();
    }

    @Test
    void theNoscriptGifCarriesIdsAsParametersAndNamesABadOne() throws Exception {
        String base = server.baseUrl() + "/v1/collect.gif?k=" + store.store().writeKey() + "&e=PageView&aid=gif-ids";
        var ok = http.send(HttpRequest.newBuilder(URI.create(base + "&fbp=fb.1.1700000000000.9&gclid=G.gif"))
                .header("User-Agent", CollectorHttpTest.BROWSER).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(events("gif-ids").get(0).get("click_ids").get("gclid").asText()).isEqualTo("G.gif");
        var bad = http.send(HttpRequest.newBuilder(URI.create(base + "&ga_client_id=GA1.1.1.2"))
                .header("User-Agent", CollectorHttpTest.BROWSER).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(bad.body()).get("field").asText()).isEqualTo("ga_client_id");
    }
}
