package io.rebound.server.http;

import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10's hostile-input suite, beside {@link ExtremeNumbersHttpTest} (numbers): every parser of
 * the server — collector JSON (single, batch, browser text/plain), GIF query parameters, segment JSON,
 * store JSON — gets structures an attacker would send: deep nesting, long strings, many keys, huge
 * arrays, wrong types, broken encodings, oversized bodies. Each must be answered with a 4xx (never a
 * 5xx, never a hang), and the collector must take a good event right after. The answer times are
 * printed; the bound asserted is generous against a loaded CI machine, the figure to read is the
 * printed slowest (a few ms here).
 */
class HostileInputHttpTest {
    private static final Duration LIMIT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final AtomicInteger good = new AtomicInteger();
    static final Map<String, Long> slowest = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withAdminToken("admin-token-for-hostile-tests"));
        store = server.stores().create("Hostile input", false);
        // Warm-up: the user-agent analyser loads on first use.
        send("POST", "/v1/track", basic(), "application/json", "{\"event\":\"warm\",\"anonymousId\":\"w\"}".getBytes());
        rawGet("/v1/collect.gif?k=" + store.store().writeKey() + "&e=PageView&aid=warm");
    }

    @AfterAll
    static void stop() {
        System.out.println("HostileInputHttpTest: slowest refusal per case (ms): " + slowest);
        server.close();
    }

    @AfterEach
    void theCollectorStillTakesAGoodEvent() throws Exception {
        String id = "good-" + good.incrementAndGet();
        var r = send("POST", "/v1/track", basic(), "application/json", ("{\"event\":\"Product Viewed\",\"anonymousId\":\""
                + id + "\",\"messageId\":\"" + id + "\",\"properties\":{\"product_id\":\"yoga-mat\"}}").getBytes());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static String deep(int levels, String open, String close, String inner) {
        return open.repeat(levels) + inner + close.repeat(levels);
    }

    /** Hostile JSON bodies that every JSON endpoint must refuse with a 4xx. */
    static Map<String, byte[]> hostileJson(String wrap) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("deep arrays", wrap.replace("X", deep(100_000, "[", "]", "1")).getBytes());
        m.put("deep objects", wrap.replace("X", deep(50_000, "{\"a\":", "}", "1")).getBytes());
        m.put("truncated", wrap.replace("X", "{\"a\":[1,2,{\"b\":").getBytes());
        m.put("not json", "<html>hello</html>".getBytes());
        m.put("empty", new byte[0]);
        m.put("bare string", "\"hello\"".getBytes());
        m.put("bare array", "[1,2,3]".getBytes());
        m.put("null", "null".getBytes());
        m.put("invalid utf-8", wrap.replace("X", "\"\u0000\"").getBytes(StandardCharsets.UTF_8));
        byte[] broken = wrap.replace("X", "\"ab\"").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < broken.length; i++) {
            if (broken[i] == 'a' && i + 1 < broken.length && broken[i + 1] == 'b') {
                broken[i] = (byte) 0xC3;
                broken[i + 1] = (byte) 0x28; // an invalid two-byte sequence
            }
        }
        m.put("broken utf-8", broken);
        m.put("control characters", wrap.replace("X", "\"a\u0001\u0002b\"").getBytes(StandardCharsets.UTF_8));
        m.put("6 MB body", wrap.replace("X", "\"" + "x".repeat(6 << 20) + "\"").getBytes());
        return m;
    }

    @Test
    void collectorJsonBodiesThatAreHostileAreRefused() throws Exception {
        for (String path : List.of("/v1/track", "/v1/identify", "/v1/page", "/v1/batch", "/v1/t")) {
            for (var e : hostileJson("X").entrySet()) {
                var r = timed(path + " " + e.getKey(), () -> send("POST", path, basic(), "application/json", e.getValue()));
                assertThat(r.statusCode()).as(path + " " + e.getKey() + " → " + r.body()).isBetween(400, 499);
            }
        }
    }

    @Test
    void collectorMessagesWithHostileFieldsAreRefusedOrTheFieldIsBounded() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("event as object", "{\"event\":{\"a\":1},\"anonymousId\":\"a\"}");
        cases.put("anonymousId as array", "{\"event\":\"x\",\"anonymousId\":[1,2]}");
        cases.put("anonymousId of 1 MB", "{\"event\":\"x\",\"anonymousId\":\"" + "a".repeat(1 << 20) + "\"}");
        cases.put("event name of 100 KB", "{\"event\":\"" + "e".repeat(100_000) + "\",\"anonymousId\":\"a\"}");
        cases.put("properties as string", "{\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":\"p\"}");
        cases.put("100k property keys", "{\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":{" + keys(100_000) + "}}");
        cases.put("100k products", "{\"event\":\"Order Completed\",\"anonymousId\":\"a\",\"properties\":{\"products\":["
                + "{\"product_id\":\"p\"},".repeat(100_000) + "{\"product_id\":\"p\"}]}}");
        cases.put("timestamp garbage", "{\"event\":\"x\",\"anonymousId\":\"a\",\"timestamp\":\"" + "9".repeat(10_000) + "\"}");
        cases.put("timestamp year 292278994", "{\"event\":\"x\",\"anonymousId\":\"a\",\"timestamp\":\"+292278994-08-17T07:12:55Z\"}");
        cases.put("no visitor", "{\"event\":\"x\"}");
        cases.put("duplicate keys", "{\"event\":\"x\",\"event\":\"y\",\"anonymousId\":\"a\"}");
        for (var e : cases.entrySet()) {
            var r = timed("track " + e.getKey(), () -> send("POST", "/v1/track", basic(), "application/json",
                    e.getValue().getBytes(StandardCharsets.UTF_8)));
            assertThat(r.statusCode()).as(e.getKey() + " → " + shorten(r.body())).isBetween(400, 499);
        }
        var batch = timed("batch of 100k messages", () -> send("POST", "/v1/batch", basic(), "application/json",
                ("{\"batch\":[" + "{\"event\":\"x\",\"anonymousId\":\"a\"},".repeat(100_000) + "{}]}").getBytes()));
        assertThat(batch.statusCode()).as(shorten(batch.body())).isBetween(400, 499);
    }

    @Test
    void gifQueriesThatAreHostileAreRefused() throws Exception {
        String k = store.store().writeKey();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("no key", "/v1/collect.gif?e=PageView&aid=a");
        cases.put("broken percent-encoding", "/v1/collect.gif?k=" + k + "&e=Page%ZZView&aid=a%");
        cases.put("60 KB visitor id", "/v1/collect.gif?k=" + k + "&e=PageView&aid=" + "a".repeat(60_000));
        cases.put("5,000 parameters", "/v1/collect.gif?k=" + k + "&e=PageView&aid=a" + "&p=1".repeat(5_000));
        cases.put("value garbage", "/v1/collect.gif?k=" + k + "&e=Purchase&aid=a&v=" + "9".repeat(5_000));
        for (var e : cases.entrySet()) {
            long start = System.nanoTime();
            int status = rawGet(e.getValue());
            long millis = (System.nanoTime() - start) / 1_000_000;
            slowest.merge("gif " + e.getKey(), millis, Math::max);
            assertThat(Duration.ofMillis(millis)).as(e.getKey() + " answered in").isLessThan(LIMIT);
            assertThat(status).as(e.getKey()).isBetween(400, 499);
        }
    }

    /** A GET sent as raw bytes (the JDK client refuses to send a broken percent-encoding); the status code. */
    private static int rawGet(String pathAndQuery) throws Exception {
        URI base = URI.create(server.baseUrl());
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: "
                    + CollectorHttpTest.BROWSER + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            assertThat(line).as(pathAndQuery.substring(0, Math.min(80, pathAndQuery.length()))).startsWith("HTTP/1.");
            return Integer.parseInt(line.substring(9, 12));
        }
    }

    @Test
    void segmentAndStoreBodiesThatAreHostileAreRefused() throws Exception {
        String segments = "/api/v1/stores/" + store.store().id() + "/segments";
        String bearer = "Bearer " + store.secretKey();
        for (var e : hostileJson("X").entrySet()) {
            var r = timed("segment " + e.getKey(), () -> send("POST", segments, bearer, "application/json", e.getValue()));
            assertThat(r.statusCode()).as("segment " + e.getKey() + " → " + shorten(r.body())).isBetween(400, 499);
        }
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("where list of 100k values", "{\"name\":\"n\",\"include\":[{\"event\":\"ViewContent\",\"within_days\":7,"
                + "\"where\":{\"product_id\":[" + "\"p\",".repeat(100_000) + "\"p\"]}}]}");
        cases.put("10k include conditions", "{\"name\":\"n\",\"include\":["
                + "{\"event\":\"ViewContent\",\"within_days\":7},".repeat(10_000) + "{\"event\":\"ViewContent\",\"within_days\":7}]}");
        cases.put("name of 1 MB", "{\"name\":\"" + "n".repeat(1 << 20) + "\",\"include\":[{\"event\":\"ViewContent\",\"within_days\":7}]}");
        cases.put("deep any groups", "{\"name\":\"n\",\"include\":[" + deep(5_000, "{\"any\":[", "]}",
                "{\"event\":\"ViewContent\",\"within_days\":7}") + "]}");
        cases.put("window of 10^6 days", "{\"name\":\"n\",\"include\":[{\"event\":\"ViewContent\",\"within_days\":1000000}]}");
        cases.put("template unknown", "{\"template\":\"" + "t".repeat(10_000) + "\"}");
        for (var e : cases.entrySet()) {
            var r = timed("segment " + e.getKey(), () -> send("POST", segments, bearer, "application/json",
                    e.getValue().getBytes(StandardCharsets.UTF_8)));
            assertThat(r.statusCode()).as(e.getKey() + " → " + shorten(r.body())).isBetween(400, 499);
        }
        String stores = "/api/v1/stores";
        String admin = "Bearer admin-token-for-hostile-tests";
        for (var e : hostileJson("X").entrySet()) {
            var r = timed("store " + e.getKey(), () -> send("POST", stores, admin, "application/json", e.getValue()));
            assertThat(r.statusCode()).as("store " + e.getKey() + " → " + shorten(r.body())).isBetween(400, 499);
        }
        var longName = timed("store name of 1 MB", () -> send("POST", stores, admin, "application/json",
                ("{\"name\":\"" + "s".repeat(1 << 20) + "\"}").getBytes()));
        assertThat(longName.statusCode()).isBetween(400, 499);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String keys(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
        }
        return b.toString();
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":").getBytes(StandardCharsets.UTF_8));
    }

    interface Call {
        HttpResponse<String> call() throws Exception;
    }

    private static HttpResponse<String> timed(String what, Call call) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = call.call();
        long millis = (System.nanoTime() - start) / 1_000_000;
        slowest.merge(what, millis, Math::max);
        assertThat(Duration.ofMillis(millis)).as(what + " answered in").isLessThan(LIMIT);
        return r;
    }

    private static HttpResponse<String> send(String method, String path, String auth, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("User-Agent", CollectorHttpTest.BROWSER).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            // A server that closes an oversized upload early is fine; report it as the 413 it answered.
            List<String> none = new ArrayList<>();
            throw new AssertionError(path + ": connection failed instead of a 4xx answer: " + e + none);
        }
    }
}
