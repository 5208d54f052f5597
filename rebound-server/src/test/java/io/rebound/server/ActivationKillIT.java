package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.PlatformContractServer;
import io.rebound.destinations.contract.TikTokContractServer;
import io.rebound.server.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The correctness bar with a crash: {@code rebound serve} in a child JVM syncs a segment of 10,000
 * shoppers, 3,000 of whom leave, to Meta, Google, TikTok and Pinterest (contract servers in this JVM); it is
 * killed with SIGKILL while the lists are being uploaded and started again on the same data. Each
 * platform's final list equals the segment's uploadable members exactly (resends are harmless; nothing is
 * lost), and no request broke the platform's contract.
 */
class ActivationKillIT {

    private static final String ADMIN = "adm_activation_kill";
    private static final int MEMBERS = 10_000;
    private static final int LEAVING = 3_000;
    private static final Duration SETTLE = Duration.ofMinutes(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Instant T = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

    @TempDir
    Path tmp;

    @Test
    void everyPlatformsListIsExactAfterAKillDashNineMidSyncAndARestart() throws Exception {
        Path data = tmp.resolve("data");
        Clock clock = Clock.systemUTC();
        try (MetaContractServer meta = new MetaContractServer("EAAB-kill", "1234567890", "555000111", clock, 60_000);
             GoogleContractServer google = new GoogleContractServer("1234567890")
                     .trustRefreshToken("kill.apps.googleusercontent.com", "1//refresh-kill");
             TikTokContractServer tiktok = new TikTokContractServer("tt-kill", "7000111", "CPIXEL0001");
             PinterestContractServer pinterest = new PinterestContractServer("549756359984", "pina_kill", "conv_kill")) {
            // Picked once the platform servers listen: picked before, the port could go to one of them
            // (each binds an ephemeral port), and Rebound's start failed with "address in use".
            int port = ServerProcess.freePort();
            Map<String, String> bodies = new LinkedHashMap<>();
            bodies.put("meta", """
                    {"platform":"meta","name":"Meta","mode":"live","api_base_url":"%s",
                     "config":{"ad_account_id":"1234567890","access_token":"EAAB-kill"}}""".formatted(meta.baseUrl()));
            bodies.put("google", """
                    {"platform":"google","name":"Google","mode":"live","api_base_url":"%s",
                     "config":{"operating_account_id":"1234567890","customer_match_terms_accepted":true,
                     "client_id":"kill.apps.googleusercontent.com","client_secret":"GOCSPX-kill","refresh_token":"1//refresh-kill",
                     "token_url":"%s/token"}}""".formatted(google.baseUrl(), google.baseUrl()));
            bodies.put("tiktok", """
                    {"platform":"tiktok","name":"TikTok","mode":"live","api_base_url":"%s",
                     "config":{"advertiser_id":"7000111","access_token":"tt-kill"}}""".formatted(tiktok.baseUrl()));
            bodies.put("pinterest", """
                    {"platform":"pinterest","name":"Pinterest","mode":"live","api_base_url":"%s",
                     "config":{"ad_account_id":"549756359984","api_token":"pina_kill"}}""".formatted(pinterest.baseUrl()));
            Map<String, PlatformContractServer> platforms = Map.of("meta", meta, "google", google, "tiktok", tiktok,
                    "pinterest", pinterest);
            Map<String, String> lists = new LinkedHashMap<>();
            String storeId;
            String secret;
            String segmentId;
            try (ServerProcess server = ServerProcess.start(data, port, ADMIN, false)) {
                JsonNode store = json(call(server.baseUrl() + "/api/v1/stores", "POST", "{\"name\":\"Kill\"}", ADMIN, 201));
                storeId = store.get("id").asText();
                secret = store.get("secret_key").asText();
                String writeKey = store.get("write_key").asText();
                String base = server.baseUrl() + "/api/v1/stores/" + storeId;
                segmentId = json(call(base + "/segments", "POST", "{\"template\":\"cart_abandoners\",\"within_days\":7}",
                        secret, 201)).get("id").asText();
                post(server.baseUrl(), writeKey, joins());
                await("everyone joined", () -> size(server.baseUrl(), storeId, segmentId, secret) == MEMBERS);
                for (Map.Entry<String, String> b : bodies.entrySet()) {
                    String id = json(call(base + "/destinations", "POST", b.getValue(), secret, 201)).get("id").asText();
                    JsonNode paired = json(call(base + "/segments/" + segmentId + "/destinations/" + id, "PUT", null, secret, 201));
                    lists.put(b.getKey(), paired.get("audience_id").asText());
                }
                post(server.baseUrl(), writeKey, purchases());
                // Mid-sync: as soon as any platform has taken part of a list, and before all of them have it all.
                await("uploads under way", () -> platforms.values().stream().anyMatch(p -> p.received().size() > 3));
                server.kill();
            }
            boolean allDoneAtKill = lists.entrySet().stream()
                    .allMatch(e -> platforms.get(e.getKey()).members(e.getValue()).equals(expected()));
            assertThat(allDoneAtKill).as("the kill came mid-sync").isFalse();

            try (ServerProcess restarted = ServerProcess.start(data, port, ADMIN, false)) {
                await("buyers left", () -> size(restarted.baseUrl(), storeId, segmentId, secret) == MEMBERS - LEAVING);
                for (Map.Entry<String, String> e : lists.entrySet()) {
                    await(e.getKey() + "'s list", () -> platforms.get(e.getKey()).members(e.getValue()).equals(expected()));
                }
            }
            for (Map.Entry<String, String> e : lists.entrySet()) {
                assertThat(platforms.get(e.getKey()).members(e.getValue())).as(e.getKey()).isEqualTo(expected());
                assertThat(platforms.get(e.getKey()).violations()).as(e.getKey()).isEmpty();
            }
        }
    }

    private static Set<String> expected() {
        Set<String> out = new HashSet<>();
        for (int i = LEAVING; i < MEMBERS; i++) {
            out.add(sha256("shopper" + i + "@example.com"));
        }
        return out;
    }

    private static List<String> joins() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"Shopper%1$d@Example.com"}}"""
                    .formatted(i, T));
        }
        return events;
    }

    private static List<String> purchases() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < LEAVING; i++) {
            events.add("""
                    {"type":"track","event":"Order Completed","messageId":"buy-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"order_id":"o-%1$d","total":40,"currency":"USD","products":[{"product_id":"mat","price":40,"quantity":1}]}}"""
                    .formatted(i, T.plusSeconds(60)));
        }
        return events;
    }

    private static void post(String baseUrl, String writeKey, List<String> events) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < events.size(); i += 200) {
            String body = "{\"batch\":[" + String.join(",", events.subList(i, Math.min(events.size(), i + 200))) + "]}";
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/batch"))
                    .header("Content-Type", "application/json").header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
                    .header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private static long size(String baseUrl, String storeId, String segmentId, String secret) {
        try {
            return json(call(baseUrl + "/api/v1/stores/" + storeId + "/segments/" + segmentId, "GET", null, secret, 200))
                    .path("size").asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String call(String url, String method, String body, String bearer, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer)
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + url + ": " + r.body()).isEqualTo(expected);
        return r.body();
    }

    private static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
