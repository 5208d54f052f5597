package io.rebound.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, "one number stops the server": a number whose exponent or length is extreme is refused
 * on every path with a 400 naming its field, in milliseconds, and the server keeps accepting
 * good events afterwards. Each answer must come within {@link #LIMIT} (generous against a loaded
 * machine; the times measured are printed, and are a few milliseconds).
 */
class ExtremeNumbersHttpTest {
    /** Before the fix, 1e-50000000 took 29.5 s and 1e999999999 minutes or the heap. */
    private static final Duration LIMIT = Duration.ofSeconds(2);
    private static final String TEN_THOUSAND_DIGITS = "1234567890".repeat(1000);
    /** Extreme numbers as JSON tokens. */
    static final List<String> EXTREMES = List.of("1e-50000000", "1e999999999", "1e999", "-1e999",
            "1E+2147483647", "1e99999999999", "1e100", "-1e-100", TEN_THOUSAND_DIGITS, "0." + TEN_THOUSAND_DIGITS);

    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static final HttpClient http = HttpClient.newHttpClient();
    static final String BROWSER = CollectorHttpTest.BROWSER;
    static final AtomicInteger good = new AtomicInteger();
    static long slowestMillis;

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("Extreme numbers", false);
        // The first requests load the user-agent analyser and warm the JIT; they are not what is measured.
        get("/v1/collect.gif?k=" + store.store().writeKey() + "&e=PageView&aid=warm");
        postRaw("/v1/track", null, "{\"writeKey\":\"" + store.store().writeKey() + "\",\"event\":\"warm\",\"anonymousId\":\"w\"}");
    }

    @AfterAll
    static void stop() {
        System.out.println("ExtremeNumbersHttpTest: slowest refusal took " + slowestMillis + " ms");
        server.close();
    }

    /** After every test the collector still takes a good event at once. */
    @AfterEach
    void serverStillAcceptsAGoodEvent() throws Exception {
        String id = "good-" + good.incrementAndGet();
        var r = timed(() -> post("/v1/track", "{\"event\":\"Product Viewed\",\"anonymousId\":\"" + id + "\","
                + "\"messageId\":\"" + id + "\",\"properties\":{\"product_id\":\"yoga-mat\",\"price\":68.5,\"quantity\":2,"
                + "\"value\":137,\"currency\":\"USD\"}}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    // ---- collector: one message --------------------------------------------------------------

    @Test
    void trackRefusesAnExtremeValueNamingTheField() throws Exception {
        for (String n : EXTREMES) {
            for (String field : List.of("value", "revenue", "price", "quantity", "custom_number")) {
                var r = post("/v1/track", "{\"event\":\"Order Completed\",\"anonymousId\":\"a\",\"properties\":{"
                        + "\"product_id\":\"p\",\"" + field + "\":" + n + "}}");
                assertRefused(r, "properties." + field, n);
            }
        }
    }

    /** Amounts and quantities may be sent as numeric strings; those never pass the JSON parser's check. */
    @Test
    void numericStringsWithExtremeExponentsAreRefused() throws Exception {
        for (String n : List.of("1e-50000000", "1e999999999", "0e-50000000", "-1e999", "1E+2147483647", "1e99999999999",
                "NaN", "Infinity")) {
            for (String field : List.of("value", "total", "price", "quantity")) {
                var r = post("/v1/track", "{\"event\":\"Order Completed\",\"anonymousId\":\"a\",\"properties\":{"
                        + "\"product_id\":\"p\",\"" + field + "\":\"" + n + "\"}}");
                assertRefused(r, "properties." + field, n);
            }
        }
    }

    @Test
    void idsGivenAsExtremeNumbersAreRefused() throws Exception {
        for (String n : EXTREMES) {
            assertRefused(post("/v1/track", "{\"event\":\"x\",\"anonymousId\":" + n + "}"), "anonymousId", n);
            assertRefused(post("/v1/identify", "{\"userId\":" + n + "}"), "userId", n);
            assertRefused(post("/v1/track", "{\"event\":\"x\",\"anonymousId\":\"a\",\"messageId\":" + n + "}"),
                    "messageId", n);
            assertRefused(post("/v1/track", "{\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":{\"content_ids\":[\"a\","
                    + n + "]}}"), "properties.content_ids[1]", n);
        }
    }

    @Test
    void productLinesWithExtremeNumbersAreRefused() throws Exception {
        for (String n : EXTREMES) {
            assertRefused(post("/v1/track", "{\"event\":\"AddToCart\",\"anonymousId\":\"a\",\"properties\":{\"items\":["
                    + "{\"item_id\":\"a\",\"price\":1},{\"item_id\":\"b\",\"quantity\":" + n + "}]}}"),
                    "properties.items[1].quantity", n);
            assertRefused(post("/v1/track", "{\"event\":\"Purchase\",\"anonymousId\":\"a\",\"properties\":{\"contents\":["
                    + "{\"id\":\"a\",\"item_price\":" + n + "}]}}"), "properties.contents[0].item_price", n);
        }
    }

    @Test
    void everySinglePathAndTheNestedPartsOfAMessageAreCovered() throws Exception {
        for (String path : List.of("/v1/track", "/v1/t", "/v1/page", "/v1/p", "/v1/identify", "/v1/i", "/v1/screen",
                "/v1/group", "/v1/alias", "/v1/a")) {
            assertRefused(post(path, "{\"event\":\"x\",\"anonymousId\":\"a\",\"userId\":\"u\",\"previousId\":\"p\","
                    + "\"groupId\":\"g\",\"traits\":{\"age\":1e-50000000}}"), "traits.age", path);
            assertRefused(post(path, "{\"event\":\"x\",\"anonymousId\":\"a\",\"context\":{\"screen\":{\"width\":1e999999999}}}"),
                    "context.screen.width", path);
        }
    }

    @Test
    void aBareNumberBodyIsRefused() throws Exception {
        var r = post("/v1/track", "1e999999999");
        assertRefused(r, "body", "bare");
    }

    // ---- collector: batches ------------------------------------------------------------------

    @Test
    void batchRefusesAnExtremeNumberNamingTheMessageAndField() throws Exception {
        for (String n : EXTREMES) {
            for (String path : List.of("/v1/batch", "/v1/import")) {
                var r = post(path, "{\"batch\":[{\"type\":\"track\",\"event\":\"ok\",\"anonymousId\":\"a\"},"
                        + "{\"type\":\"track\",\"event\":\"Purchase\",\"anonymousId\":\"b\",\"properties\":{\"value\":" + n + "}}]}");
                assertRefused(r, "batch[1].properties.value", n);
            }
            var pixel = timed(() -> postRaw("/v1/collect", null, "{\"writeKey\":\"" + store.store().writeKey()
                    + "\",\"batch\":[{\"type\":\"track\",\"event\":\"ViewContent\",\"anonymousId\":\"px\",\"properties\":{"
                    + "\"content_ids\":[\"a\"],\"value\":" + n + "}}]}"));
            assertRefused(pixel, "batch[0].properties.value", n);
        }
    }

    // ---- the GIF pixel's query parameters ------------------------------------------------------

    @Test
    void gifRefusesExtremeValueParameters() throws Exception {
        for (String v : List.of("1e-50000000", "0e-50000000", "1e999999999", "1e999", "-1e999", "1e99999999999", "NaN", "Infinity",
                "-Infinity", "0x10")) {
            var r = timed(() -> get("/v1/collect.gif?k=" + store.store().writeKey() + "&e=Purchase&aid=gif&cur=USD&v="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
            assertThat(r.statusCode()).as(v + " " + r.body()).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(r.body()).get("field").asText()).as(v).isEqualTo("v");
        }
        var ok = get("/v1/collect.gif?k=" + store.store().writeKey() + "&e=Purchase&aid=gif&cur=USD&v=12.50");
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    // ---- the admin API ------------------------------------------------------------------------

    @Test
    void segmentWhereValuesAndNumbersAreRefused() throws Exception {
        for (String n : EXTREMES) {
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\",\"within_days\":7,"
                    + "\"where\":{\"value\":{\"gte\":" + n + "}}}]}"), "include[0].where.value.gte", n);
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"ViewContent\",\"within_days\":7,"
                    + "\"where\":{\"product_id\":" + n + "}}]}"), "include[0].where.product_id", n);
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"ViewContent\",\"within_days\":7,"
                    + "\"where\":{\"size\":[1," + n + "]}}]}"), "include[0].where.size[1]", n);
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\",\"within_days\":7,"
                    + "\"sum_value_gte\":" + n + "}]}"), "include[0].sum_value_gte", n);
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\",\"within_days\":" + n + "}]}"),
                    "include[0].within_days", n);
            assertRefused(segment("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\",\"within_days\":7,\"min_count\":"
                    + n + "}]}"), "include[0].min_count", n);
            assertRefused(segment("{\"template\":\"cart_abandoners\",\"within_days\":" + n + "}"), "within_days", n);
        }
        var ok = segment("{\"name\":\"ok\",\"include\":[{\"event\":\"Purchase\",\"within_days\":7,"
                + "\"where\":{\"value\":{\"gte\":1e2}}}]}");
        assertThat(ok.statusCode()).as(ok.body()).isIn(200, 201);
    }

    @Test
    void storeRetentionDaysAsAnExtremeNumberIsRefused() throws Exception {
        for (String n : EXTREMES) {
            var r = timed(() -> http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                            + store.store().id())).header("Authorization", "Bearer " + store.secretKey())
                    .header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"retention_days\":" + n + "}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertRefused(r, "retention_days", n);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    interface Call {
        HttpResponse<String> call() throws Exception;
    }

    static HttpResponse<String> timed(Call call) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = call.call();
        long millis = (System.nanoTime() - start) / 1_000_000;
        slowestMillis = Math.max(slowestMillis, millis);
        assertThat(Duration.ofMillis(millis)).as("answered in").isLessThan(LIMIT);
        return r;
    }

    static void assertRefused(HttpResponse<String> r, String field, String what) throws Exception {
        String shown = what.length() > 30 ? what.substring(0, 30) + "…" : what;
        assertThat(r.statusCode()).as(shown + " → " + r.body()).isEqualTo(400);
        JsonNode body = Json.MAPPER.readTree(r.body());
        List<String> fields = new java.util.ArrayList<>();
        fields.add(body.path("field").asText());
        body.path("errors").forEach(e -> fields.add(e.path("field").asText()));
        body.path("rejected").forEach(rej -> rej.path("errors").forEach(e -> fields.add(e.path("field").asText())));
        assertThat(fields).as(shown + " → " + r.body()).contains(field);
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return timed(() -> postRaw(path, "Basic " + Base64.getEncoder().encodeToString(
                (store.store().writeKey() + ":").getBytes(StandardCharsets.UTF_8)), body));
    }

    static HttpResponse<String> postRaw(String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery)).header("User-Agent", BROWSER)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> segment(String body) throws Exception {
        return timed(() -> http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                        + store.store().id() + "/segments")).header("Authorization", "Bearer " + store.secretKey())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }
}
