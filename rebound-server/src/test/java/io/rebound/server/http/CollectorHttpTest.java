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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The collector's HTTP contract against the real server: auth, limits, errors, CORS, durability of the ack. */
class CollectorHttpTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static StoreRepository.Created other;
    static final HttpClient http = HttpClient.newHttpClient();
    /** Pixel requests carry the visitor's browser user agent; Java's own would be filtered as a robot. */
    static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("Collector test", false);
        other = server.stores().create("Other store", false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> post(String path, String auth, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", contentType).header("User-Agent", BROWSER).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String auth, String body) throws Exception {
        return post(path, auth, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    static JsonNode visitorEvents(StoreRepository.Created s, String visitor) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + s.store().id()
                + "/visitors/" + visitor + "/events")).header("Authorization", "Bearer " + s.secretKey()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).get("events");
    }

    @Test
    void segmentTrackWithBasicAuthIsStoredAndReadBack() throws Exception {
        var r = post("/v1/track", basic(store.store().writeKey()), """
                {"event":"Product Viewed","messageId":"m-track-1","anonymousId":"visitor-track",
                 "properties":{"product_id":"yoga-mat","price":68,"currency":"usd"}}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("accepted").asInt()).isEqualTo(1);
        JsonNode events = visitorEvents(store, "visitor-track");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("type").asText()).isEqualTo("ViewContent");
        assertThat(events.get(0).get("product_ids").get(0).asText()).isEqualTo("yoga-mat");
        assertThat(events.get(0).get("currency").asText()).isEqualTo("USD");
    }

    @Test
    void shortPathsOfAnalyticsJsWork() throws Exception {
        for (String path : new String[]{"/v1/t", "/v1/p", "/v1/i"}) {
            String body = switch (path) {
                case "/v1/t" -> "{\"type\":\"track\",\"event\":\"add_to_cart\",\"anonymousId\":\"short\",\"messageId\":\"s-t\","
                        + "\"properties\":{\"items\":[{\"item_id\":\"yoga-block\",\"price\":18}]}}";
                case "/v1/p" -> "{\"type\":\"page\",\"anonymousId\":\"short\",\"messageId\":\"s-p\"}";
                default -> "{\"type\":\"identify\",\"anonymousId\":\"short\",\"userId\":\"u-1\",\"messageId\":\"s-i\","
                        + "\"traits\":{\"email\":\"Test@Example.com \"}}";
            };
            var r = post(path, basic(store.store().writeKey()), "text/plain", body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        }
        JsonNode events = visitorEvents(store, "short");
        assertThat(events).extracting(e -> e.get("type").asText())
                .containsExactlyInAnyOrder("AddToCart", "PageView", "Identify");
        assertThat(events.toString()).doesNotContain("Test@Example.com").doesNotContain("test@example.com")
                .contains("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b");
    }

    @Test
    void pixelEndpointTakesTheWriteKeyFromTheBody() throws Exception {
        var r = post("/v1/collect", null, "text/plain", ("{\"writeKey\":\"" + store.store().writeKey() + "\",\"sentAt\":\""
                + Instant.now() + "\",\"batch\":[{\"type\":\"track\",\"event\":\"ViewContent\",\"messageId\":\"px-1\","
                + "\"anonymousId\":\"px-visitor\",\"properties\":{\"content_ids\":[\"yoga-mat\"],\"value\":68,"
                + "\"currency\":\"USD\"}}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(visitorEvents(store, "px-visitor")).hasSize(1);
    }

    @Test
    void batchKeepsValidEventsAndReportsEachRejectedOne() throws Exception {
        var r = post("/v1/batch", basic(store.store().writeKey()), """
                {"batch":[
                  {"type":"track","event":"Purchase","messageId":"b-ok","anonymousId":"batch-v","properties":{"value":68,"currency":"USD"}},
                  {"type":"track","event":"Purchase","messageId":"b-bad","anonymousId":"batch-v","properties":{"value":"lots"}},
                  {"type":"track","messageId":"b-noname","anonymousId":"batch-v"}
                ]}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("accepted").asInt()).isEqualTo(1);
        assertThat(body.get("rejected")).hasSize(2);
        assertThat(body.get("rejected").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(body.get("rejected").get(0).get("errors").get(0).get("field").asText())
                .isEqualTo("batch[1].properties.value");
        assertThat(body.get("rejected").get(1).get("errors").get(0).get("field").asText()).startsWith("batch[2]");
        assertThat(visitorEvents(store, "batch-v")).hasSize(1);
    }

    @Test
    void duplicatesAreAcknowledgedAndStoredOnce() throws Exception {
        String event = "{\"event\":\"AddToCart\",\"messageId\":\"dup-1\",\"anonymousId\":\"dup-v\","
                + "\"properties\":{\"content_ids\":[\"yoga-mat\"]}}";
        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/track", basic(store.store().writeKey()), event).statusCode()).isEqualTo(200);
        }
        assertThat(visitorEvents(store, "dup-v")).hasSize(1);
    }

    @Test
    void badInputGetsA4xxNamingTheProblem() throws Exception {
        String key = basic(store.store().writeKey());
        var malformed = post("/v1/track", key, "{\"event\":");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("field").asText()).isEqualTo("body");

        var invalidUtf8 = post("/v1/track", key, "application/json",
                new byte[]{'{', '"', 'e', 'v', 'e', 'n', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        assertThat(invalidUtf8.statusCode()).isEqualTo(400);
        assertThat(json(invalidUtf8).get("message").asText()).containsIgnoringCase("UTF-8");

        var wrongType = post("/v1/track", key, "{\"event\":\"Purchase\",\"anonymousId\":\"x\",\"properties\":{\"value\":[1]}}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(json(wrongType).get("field").asText()).isEqualTo("properties.value");

        var noIds = post("/v1/track", key, "{\"event\":\"Purchase\"}");
        assertThat(noIds.statusCode()).isEqualTo(400);
        assertThat(json(noIds).toString()).contains("anonymousId");

        var future = post("/v1/track", key, "{\"event\":\"Purchase\",\"anonymousId\":\"x\",\"timestamp\":\""
                + Instant.now().plusSeconds(86_400) + "\"}");
        assertThat(future.statusCode()).isEqualTo(400);
        assertThat(json(future).get("message").asText()).contains("future");

        var empty = post("/v1/batch", key, "");
        assertThat(empty.statusCode()).isEqualTo(400);
        var notBatch = post("/v1/batch", key, "{\"batch\":{}}");
        assertThat(notBatch.statusCode()).isEqualTo(400);
        assertThat(json(notBatch).get("field").asText()).isEqualTo("batch");
    }

    @Test
    void oversizedBodiesGet413() throws Exception {
        String key = basic(store.store().writeKey());
        String bigEvent = "{\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":{\"p\":\"" + "x".repeat(33 * 1024) + "\"}}";
        var r = post("/v1/track", key, bigEvent);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("error").asText()).isEqualTo("payload_too_large");
        String bigBatch = "{\"batch\":[" + ("{\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":{\"p\":\""
                + "x".repeat(20 * 1024) + "\"}},").repeat(26) + "{}]}";
        assertThat(post("/v1/batch", key, bigBatch).statusCode()).isEqualTo(413);
    }

    @Test
    void unknownOrMissingWriteKeyIs401() throws Exception {
        var missing = post("/v1/track", null, "{\"event\":\"x\",\"anonymousId\":\"a\"}");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).isPresent();
        var unknown = post("/v1/track", basic("wk_nope"), "{\"event\":\"x\",\"anonymousId\":\"a\"}");
        assertThat(unknown.statusCode()).isEqualTo(401);
        var secretAsWriteKey = post("/v1/track", basic(store.secretKey()), "{\"event\":\"x\",\"anonymousId\":\"a\"}");
        assertThat(secretAsWriteKey.statusCode()).isEqualTo(401);
        var garbage = post("/v1/track", "Basic %%%", "{\"event\":\"x\",\"anonymousId\":\"a\"}");
        assertThat(garbage.statusCode()).isEqualTo(401);
    }

    @Test
    void aWriteKeyOnlyEverWritesItsOwnStore() throws Exception {
        var r = post("/v1/track", basic(other.store().writeKey()), """
                {"event":"ViewContent","messageId":"iso-1","anonymousId":"iso-v","properties":{"content_ids":["yoga-mat"]}}""");
        assertThat(r.statusCode()).isEqualTo(200);
        // A body naming another store's key does not override the Basic auth key.
        var r2 = post("/v1/batch", basic(other.store().writeKey()), "{\"writeKey\":\"" + store.store().writeKey()
                + "\",\"batch\":[{\"type\":\"track\",\"event\":\"ViewContent\",\"messageId\":\"iso-2\",\"anonymousId\":\"iso-v\"}]}");
        assertThat(r2.statusCode()).isEqualTo(200);
        assertThat(visitorEvents(other, "iso-v")).hasSize(2);
        assertThat(visitorEvents(store, "iso-v")).isEmpty();
        // Another store's secret key cannot read it either.
        var cross = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                        + other.store().id() + "/visitors/iso-v/events"))
                .header("Authorization", "Bearer " + store.secretKey()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cross.statusCode()).isEqualTo(404);
        assertThat(cross.body()).doesNotContain("iso-1");
    }

    @Test
    void aBadEventsLimitIsA400NamingIt() throws Exception {
        for (String limit : java.util.List.of("0", "abc", "-1", "10001")) {
            var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + store.store().id()
                            + "/visitors/v1/events?limit=" + limit)).header("Authorization", "Bearer " + store.secretKey())
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(limit).isEqualTo(400);
            assertThat(json(r).get("error").asText()).isEqualTo("invalid_field");
            assertThat(json(r).get("field").asText()).isEqualTo("limit");
        }
    }

    @Test
    void corsPreflightIsAnswered() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/t"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://shop.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,authorization").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isBetween(200, 204);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isPresent();
        assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    }

    @Test
    void settingsPointAnalyticsJsBackAtRebound() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/projects/"
                + store.store().writeKey() + "/settings")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode io = json(r).get("integrations").get("Segment.io");
        assertThat(io.get("apiKey").asText()).isEqualTo(store.store().writeKey());
        assertThat(io.get("apiHost").asText()).isEqualTo("localhost:" + server.port() + "/v1");
        var unknown = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/projects/wk_x/settings")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void noscriptGifRecordsAPageViewFromTheReferer() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect.gif?k="
                        + store.store().writeKey() + "&e=PageView&aid=gif-v"))
                .header("Referer", "https://shop.example/products/yoga-mat").header("User-Agent", BROWSER).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("image/gif");
        JsonNode events = visitorEvents(store, "gif-v");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("page_url").asText()).isEqualTo("https://shop.example/products/yoga-mat");
    }

    @Test
    void botsAreFilteredNotStored() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect"))
                .header("Content-Type", "text/plain")
                .header("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
                .POST(HttpRequest.BodyPublishers.ofString("{\"writeKey\":\"" + store.store().writeKey()
                        + "\",\"batch\":[{\"type\":\"page\",\"messageId\":\"bot-1\",\"anonymousId\":\"bot-v\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("filtered_bots").asInt()).isEqualTo(1);
        assertThat(visitorEvents(store, "bot-v")).isEmpty();
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        var health = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json(health).get("status").asText()).isEqualTo("ok");
        assertThat(json(health).get("audit").get("status").asText()).isEqualTo("clean");
        assertThat(json(health).get("audit").get("mismatches").asLong()).isZero();
        var metrics = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("rebound_events_accepted_total")
                .contains("rebound_audit_persons_checked_total").contains("rebound_audit_mismatches_total");
        var unknown = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void forwardingHeadersFromAPeerThatIsNotATrustedProxyAreIgnored() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                .header("Authorization", basic(store.store().writeKey())).header("Content-Type", "application/json")
                .header("User-Agent", BROWSER).header("X-Forwarded-For", "203.0.113.77")
                .header("X-Real-IP", "198.51.100.9")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"event":"Product Viewed","messageId":"m-xff-1","anonymousId":"visitor-xff"}""")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        server.indexer().awaitCaughtUp(5_000);
        var events = server.indexer().visitorEvents(store.store().id(), "visitor-xff", 10);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).ip()).as("the connection's own address, truncated").isEqualTo("127.0.0.0");
    }

    @Test
    void settingsNeverEchoXForwardedHostIntoThePubliclyCachedAnswer() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/projects/"
                        + store.store().writeKey() + "/settings")).header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode io = json(r).get("integrations").get("Segment.io");
        assertThat(io.get("apiHost").asText()).isEqualTo("localhost:" + server.port() + "/v1");
        assertThat(io.get("protocol").asText()).isEqualTo("http");
        assertThat(r.body()).doesNotContain("evil.example");
    }
}
