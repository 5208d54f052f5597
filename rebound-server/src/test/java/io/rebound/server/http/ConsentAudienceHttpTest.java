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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, consent: a visitor with Global Privacy Control, or with ad_personalization or ad_user_data
 * denied, is in no retargeting segment and never appears in the members API — through the real
 * collector, log and audience runtime.
 */
class ConsentAudienceHttpTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("Consent test", false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        boolean collector = path.startsWith("/v1/");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("User-Agent", CollectorHttpTest.BROWSER)
                .header("Authorization", collector ? CollectorHttpTest.basic(store.store().writeKey())
                        : "Bearer " + store.secretKey())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String viewAndAdd(String visitor, String context, int n) {
        String t = Instant.now().minusSeconds(60).toString();
        return """
                {"batch":[
                 {"type":"track","event":"Product Viewed","messageId":"%1$s-v%3$d","anonymousId":"%1$s","timestamp":"%4$s",
                  "properties":{"product_id":"mat"},"context":{%2$s}},
                 {"type":"track","event":"Product Added","messageId":"%1$s-a%3$d","anonymousId":"%1$s","timestamp":"%4$s",
                  "properties":{"product_id":"mat"},"context":{%2$s}}]}""".formatted(visitor, context, n, t);
    }

    @Test
    void visitorsWhoDenyAdvertisingJoinNoSegmentAndNeverAppearAsMembers() throws Exception {
        String sid = store.store().id();
        assertThat(send("POST", "/v1/batch", viewAndAdd("ok", "", 1)).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/batch", viewAndAdd("gpc", "\"gpc\":true", 1)).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/batch", viewAndAdd("no-personalization",
                "\"consent\":{\"ad_storage\":\"granted\",\"ad_user_data\":\"granted\",\"ad_personalization\":\"denied\"}", 1))
                .statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/batch", viewAndAdd("no-user-data",
                "\"consent\":{\"ad_storage\":\"granted\",\"ad_user_data\":\"denied\"}", 1)).statusCode()).isEqualTo(200);
        // Joins first, then withdraws: leaves.
        assertThat(send("POST", "/v1/batch", viewAndAdd("withdraws", "", 1)).statusCode()).isEqualTo(200);
        server.audiences().sync();
        var created = send("POST", "/api/v1/stores/" + sid + "/segments", "{\"template\":\"cart_abandoners\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String segment = Json.MAPPER.readTree(created.body()).get("id").asText();
        server.audiences().backfillDone(sid, segment).join();
        assertThat(members(sid, segment)).containsExactlyInAnyOrder("a:ok", "a:withdraws");

        String later = Instant.now().toString();
        assertThat(send("POST", "/v1/track", """
                {"event":"Page Viewed","messageId":"withdraw-1","anonymousId":"withdraws","timestamp":"%s","context":{"gpc":true}}"""
                .formatted(later)).statusCode()).isEqualTo(200);
        server.audiences().sync();
        assertThat(members(sid, segment)).containsExactly("a:ok");
        JsonNode memberships = Json.MAPPER.readTree(send("GET", "/api/v1/stores/" + sid + "/visitors/gpc/segments", null).body());
        assertThat(memberships.get("segments")).isEmpty();
    }

    private static List<String> members(String sid, String segment) throws Exception {
        var r = send("GET", "/api/v1/stores/" + sid + "/segments/" + segment + "/members?limit=100", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        Json.MAPPER.readTree(r.body()).get("members").forEach(m -> out.add(m.get("person_id").asText()));
        return out;
    }
}
