package io.rebound.server.api;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code DELETE /api/v1/stores/:store/visitors/:visitorId} on the real server: events sent through
 * the collector, a segment membership, then the erasure removes raw events (of every id linked to
 * the person), state and membership, with a LEFT in the change feed; another store's key gets a 404.
 */
class VisitorErasureTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static StoreRepository.Created other;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("Erasure test", false);
        other = server.stores().create("Other store", false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Response(int status, JsonNode json) {
    }

    static void collect(String path, String body) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":")
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER).header("Authorization", basic)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static Response api(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body()));
    }

    static Response api(String method, String path) throws Exception {
        return api(method, store.store().id() + path, store.secretKey(), null);
    }

    private static void addToCart(String visitor, String messageId) throws Exception {
        collect("/v1/track", "{\"event\":\"Product Added\",\"messageId\":\"" + messageId + "\",\"anonymousId\":\""
                + visitor + "\",\"properties\":{\"product_id\":\"yoga-mat\",\"price\":68}}");
    }

    private static List<String> memberIds(String segment) throws Exception {
        List<String> out = new ArrayList<>();
        api("GET", "/segments/" + segment + "/members?limit=1000").json.get("members")
                .forEach(m -> out.add(m.get("person_id").asText()));
        return out;
    }

    @Test
    void erasureRemovesEventsOfEveryLinkedIdStateAndMembershipsAndLogsALeft() throws Exception {
        // The shopper on two devices, linked by one user id; a bystander who must be untouched.
        addToCart("laptop-1", "m-laptop-cart");
        collect("/v1/identify", "{\"anonymousId\":\"laptop-1\",\"userId\":\"user-42\",\"messageId\":\"m-laptop-id\"}");
        collect("/v1/page", "{\"anonymousId\":\"phone-1\",\"messageId\":\"m-phone-page\"}");
        collect("/v1/identify", "{\"anonymousId\":\"phone-1\",\"userId\":\"user-42\",\"messageId\":\"m-phone-id\"}");
        addToCart("bystander", "m-bystander-cart");
        Response created = api("POST", store.store().id() + "/segments", store.secretKey(),
                "{\"template\": \"cart_abandoners\", \"within_days\": 7}");
        assertThat(created.status).isEqualTo(201);
        String segment = created.json.get("id").asText();
        server.audiences().sync();
        server.audiences().backfillDone(store.store().id(), segment).join();
        String person = api("GET", "/visitors/laptop-1/segments").json.get("person_id").asText();
        String bystander = api("GET", "/visitors/bystander/segments").json.get("person_id").asText();
        assertThat(memberIds(segment)).containsExactlyInAnyOrder(person, bystander);
        assertThat(api("GET", "/visitors/phone-1/events").json.get("events")).hasSize(2);

        // Another store's key, or none, reaches nothing: the visitor is intact afterwards.
        assertThat(api("DELETE", store.store().id() + "/visitors/laptop-1", other.secretKey(), null).status).isEqualTo(404);
        assertThat(api("DELETE", store.store().id() + "/visitors/laptop-1", null, null).status).isEqualTo(401);
        assertThat(api("GET", "/visitors/laptop-1/events").json.get("events")).hasSize(2);
        assertThat(memberIds(segment)).contains(person);

        Response erased = api("DELETE", "/visitors/laptop-1");

        assertThat(erased.status).as(String.valueOf(erased.json)).isEqualTo(200);
        assertThat(erased.json.get("person_id").asText()).isEqualTo(person);
        assertThat(erased.json.get("events_removed").asInt()).isEqualTo(4);
        assertThat(erased.json.get("memberships_left")).extracting(JsonNode::asText).containsExactly(segment);
        assertThat(erased.json.get("visitor_ids")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("laptop-1", "phone-1", "user-42");
        for (String id : List.of("laptop-1", "phone-1", "user-42")) {
            assertThat(api("GET", "/visitors/" + id + "/events").json.get("events")).as(id).isEmpty();
            assertThat(api("GET", "/visitors/" + id + "/segments").json.get("segments")).as(id).isEmpty();
        }
        assertThat(memberIds(segment)).containsExactly(bystander);
        JsonNode changes = api("GET", "/segments/" + segment + "/changes").json.get("changes");
        assertThat(changes).anySatisfy(c -> {
            assertThat(c.get("person_id").asText()).isEqualTo(person);
            assertThat(c.get("kind").asText()).isEqualTo("left");
        });
        assertThat(api("GET", "/visitors/bystander/events").json.get("events")).hasSize(1);
        // The in-memory views forget the person too: the live debugger's rows and the funnel's visitors.
        assertThat(server.dashboard().live().recent(store.store().id())).extracting(r -> r.getString("visitor"))
                .contains("bystander").doesNotContain("laptop-1", "phone-1", "user-42");
        assertThat(server.dashboard().funnel().report(store.store().id(), 30, java.time.Instant.now()).visitors30d())
                .as("unique visitors in the funnel").isEqualTo(1);

        // Idempotent; and a client retrying an erased event is dropped by the raw store's dedup.
        Response again = api("DELETE", "/visitors/laptop-1");
        assertThat(again.status).isEqualTo(200);
        assertThat(again.json.get("events_removed").asInt()).isZero();
        assertThat(again.json.get("person_id").isNull()).isTrue();
        addToCart("laptop-1", "m-laptop-cart");
        assertThat(api("GET", "/visitors/laptop-1/events").json.get("events")).isEmpty();
    }
}
