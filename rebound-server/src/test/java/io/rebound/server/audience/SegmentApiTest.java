package io.rebound.server.audience;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.SegmentApi;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The audience API over real HTTP on the embedded runtime, including tenant isolation on every route. */
class SegmentApiTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path root;
    private static Database database;
    private static AudienceHarness harness;
    private static Vertx vertx;
    private static String base;
    private static String storeA;
    private static String keyA;
    private static String storeB;
    private static String keyB;
    private static StoreRepository stores;

    @BeforeAll
    static void start() throws Exception {
        database = Database.embedded(root.resolve("meta"));
        stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Store A", false);
        StoreRepository.Created b = stores.create("Store B", false);
        storeA = a.store().id();
        keyA = a.secretKey();
        storeB = b.store().id();
        keyB = b.secretKey();
        harness = new AudienceHarness(java.nio.file.Files.createTempDirectory(root, "rt"), database, T0);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new SegmentApi(harness.audiences(), new ApiAuth(stores), ReadinessPolicy.DEFAULT).mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(event(storeA, "a" + i, EventType.ADD_TO_CART, "va" + i, T0.minus(Duration.ofDays(1))));
        }
        events.add(event(storeB, "b0", EventType.ADD_TO_CART, "vb0", T0.minus(Duration.ofDays(1))));
        harness.append(events.toArray(Event[]::new));
        harness.advanceTo(T0);
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        harness.close();
        database.close();
    }

    static Event event(String store, String id, EventType type, String visitor, Instant at) {
        return Event.builder(store, id, type, at, at).anonymousId(visitor)
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build();
    }

    record Response(int status, JsonNode json) {
    }

    static Response send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(resp.statusCode(), resp.body().isEmpty() ? null : Json.MAPPER.readTree(resp.body()));
    }

    private static String createAbandoners(String store, String key) throws Exception {
        Response r = send("POST", "/api/v1/stores/" + store + "/segments", key,
                "{\"template\": \"cart_abandoners\", \"within_days\": 7}");
        assertThat(r.status).isEqualTo(201);
        String id = r.json.get("id").asText();
        harness.runtime.backfillDone(store, id).join();
        return id;
    }

    @Test
    void templateSegmentIsBackfilledWithStatusProgressSizeAndReadiness() throws Exception {
        Response created = send("POST", "/api/v1/stores/" + storeA + "/segments", keyA,
                "{\"template\": \"cart_abandoners\", \"within_days\": 7, \"product_id\": \"yoga-mat\"}");
        assertThat(created.status).isEqualTo(201);
        assertThat(created.json.get("status").asText()).isIn("building", "ready");
        assertThat(created.json.get("progress").has("percent")).isTrue();
        assertThat(created.json.get("progress").has("persons_total")).isTrue();
        assertThat(created.json.at("/definition/include/0/event").asText()).isEqualTo("AddToCart");
        String id = created.json.get("id").asText();
        harness.runtime.backfillDone(storeA, id).join();

        Response got = send("GET", "/api/v1/stores/" + storeA + "/segments/" + id, keyA, null);
        assertThat(got.status).isEqualTo(200);
        assertThat(got.json.get("status").asText()).isEqualTo("ready");
        assertThat(got.json.at("/progress/percent").asDouble()).isEqualTo(100.0);
        assertThat(got.json.get("size").asLong()).isEqualTo(5);
        assertThat(got.json.at("/readiness/recommended_size").asInt()).isEqualTo(1000);
        assertThat(got.json.at("/readiness/platforms/0/platform").asText()).isEqualTo("meta");
        assertThat(got.json.at("/readiness/platforms/0/missing").asInt()).isEqualTo(95);
        assertThat(got.json.at("/readiness/platforms/3/minimum").asInt()).isEqualTo(1000);

        Response list = send("GET", "/api/v1/stores/" + storeA + "/segments", keyA, null);
        assertThat(list.json.get("segments").findValuesAsText("id")).contains(id);
        Response sizes = send("GET", "/api/v1/stores/" + storeA + "/segments/" + id + "/sizes", keyA, null);
        assertThat(sizes.json.at("/sizes/0/size").asLong()).isEqualTo(5);
    }

    @Test
    void membersArePagedWithACursorAndChangesResumeAfterASequence() throws Exception {
        String id = createAbandoners(storeA, keyA);
        List<String> seen = new ArrayList<>();
        String cursor = "";
        int pages = 0;
        do {
            Response page = send("GET", "/api/v1/stores/" + storeA + "/segments/" + id + "/members?limit=2&cursor=" + cursor, keyA, null);
            assertThat(page.status).isEqualTo(200);
            page.json.get("members").forEach(m -> {
                seen.add(m.get("person_id").asText());
                assertThat(m.get("anonymous_ids").get(0).asText()).startsWith("va");
                // Joined when the segment took effect: memberships never begin before their definition.
                assertThat(m.get("joined_at").asText()).isEqualTo(T0.toString());
            });
            cursor = page.json.get("next_cursor").isNull() ? null : page.json.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).hasSize(5).doesNotHaveDuplicates();

        Response first = send("GET", "/api/v1/stores/" + storeA + "/segments/" + id + "/changes?limit=3", keyA, null);
        assertThat(first.json.get("changes")).hasSize(3);
        assertThat(first.json.at("/changes/0/kind").asText()).isEqualTo("joined");
        long after = first.json.get("next_after").asLong();
        Response rest = send("GET", "/api/v1/stores/" + storeA + "/segments/" + id + "/changes?after=" + after, keyA, null);
        assertThat(rest.json.get("changes")).hasSize(2);
        assertThat(rest.json.at("/changes/0/sequence").asLong()).isGreaterThan(after);
    }

    @Test
    void visitorSegmentsSayWhyAndWhenMembershipEnds() throws Exception {
        String id = createAbandoners(storeA, keyA);
        Response r = send("GET", "/api/v1/stores/" + storeA + "/visitors/va1/segments", keyA, null);
        assertThat(r.status).isEqualTo(200);
        JsonNode m = null;
        for (JsonNode s : r.json.get("segments")) {
            if (s.get("segment_id").asText().equals(id)) {
                m = s;
            }
        }
        assertThat(m).isNotNull();
        assertThat(m.get("reason").asText()).isNotBlank();
        assertThat(m.get("ends_at").asText()).isEqualTo(T0.plus(Duration.ofDays(6)).toString());
        Response unknown = send("GET", "/api/v1/stores/" + storeA + "/visitors/nobody/segments", keyA, null);
        assertThat(unknown.json.get("segments")).isEmpty();
    }

    @Test
    void storeReadinessCountsUniqueVisitorsOfTheLast30Days() throws Exception {
        Response r = send("GET", "/api/v1/stores/" + storeA + "/readiness", keyA, null);
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.get("unique_visitors").asLong()).isEqualTo(5);
        assertThat(r.json.get("level").asText()).isEqualTo("too_small");
        assertThat(r.json.get("monthly_visitors_minimum").asInt()).isEqualTo(500);
    }

    @Test
    void editAndDelete() throws Exception {
        String id = createAbandoners(storeA, keyA);
        Response put = send("PUT", "/api/v1/stores/" + storeA + "/segments/" + id, keyA,
                "{\"name\": \"Viewers\", \"include\": [{\"event\": \"ViewContent\", \"within_days\": 3}]}");
        assertThat(put.status).isEqualTo(200);
        assertThat(put.json.get("name").asText()).isEqualTo("Viewers");
        harness.runtime.backfillDone(storeA, id).join();
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/segments/" + id, keyA, null).json.get("size").asLong()).isZero();
        assertThat(send("DELETE", "/api/v1/stores/" + storeA + "/segments/" + id, keyA, null).status).isEqualTo(204);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/segments/" + id, keyA, null).status).isEqualTo(404);
    }

    @Test
    void badInputIsA400NamingTheField() throws Exception {
        String path = "/api/v1/stores/" + storeA + "/segments";
        Response window = send("POST", path, keyA, "{\"name\": \"x\", \"include\": [{\"event\": \"AddToCart\", \"within_days\": 999}]}");
        assertThat(window.status).isEqualTo(400);
        assertThat(window.json.get("field").asText()).isEqualTo("include[0].within_days");
        assertThat(send("POST", path, keyA, "{\"template\": \"nope\"}").json.get("field").asText()).isEqualTo("template");
        assertThat(send("POST", path, keyA, "{\"template\": \"cart_abandoners\", \"within_days\": \"7\"}").json.get("field").asText())
                .isEqualTo("within_days");
        assertThat(send("POST", path, keyA, "{\"template\": \"cart_abandoners\", \"within_days\": 0}").json.get("field").asText())
                .isEqualTo("within_days");
        assertThat(send("POST", path, keyA, "{\"template\": \"cart_abandoners\", \"colour\": 1}").json.get("field").asText())
                .isEqualTo("colour");
        Response malformed = send("POST", path, keyA, "{not json");
        assertThat(malformed.status).isEqualTo(400);
        assertThat(malformed.json.get("field").asText()).isEqualTo("body");
        assertThat(send("POST", path, keyA, "[1]").status).isEqualTo(400);
        assertThat(send("POST", path, keyA, "").status).isEqualTo(400);
        String id = createAbandoners(storeA, keyA);
        assertThat(send("GET", path + "/" + id + "/members?limit=0", keyA, null).json.get("field").asText()).isEqualTo("limit");
        assertThat(send("GET", path + "/" + id + "/members?cursor=!!!", keyA, null).status).isEqualTo(400);
        assertThat(send("GET", path + "/" + id + "/changes?after=x", keyA, null).json.get("field").asText()).isEqualTo("after");
    }

    @Test
    void anotherStoresKeyNeverReachesItsSegments() throws Exception {
        String idA = createAbandoners(storeA, keyA);
        String idB = createAbandoners(storeB, keyB);
        String a = "/api/v1/stores/" + storeA;
        List<String[]> routes = List.of(
                new String[] {"POST", a + "/segments", "{\"template\": \"past_purchasers\"}"},
                new String[] {"GET", a + "/segments", null},
                new String[] {"GET", a + "/segments/" + idA, null},
                new String[] {"PUT", a + "/segments/" + idA, "{\"template\": \"past_purchasers\"}"},
                new String[] {"DELETE", a + "/segments/" + idA, null},
                new String[] {"GET", a + "/segments/" + idA + "/members", null},
                new String[] {"GET", a + "/segments/" + idA + "/changes", null},
                new String[] {"GET", a + "/segments/" + idA + "/sizes", null},
                new String[] {"GET", a + "/visitors/va1/segments", null},
                new String[] {"GET", a + "/readiness", null});
        for (String[] r : routes) {
            assertThat(send(r[0], r[1], keyB, r[2]).status).as("B's key on " + r[0] + " " + r[1]).isEqualTo(404);
            assertThat(send(r[0], r[1], null, r[2]).status).as("no key on " + r[0] + " " + r[1]).isEqualTo(401);
        }
        // A's own path with B's segment id: not found either.
        for (String suffix : List.of("", "/members", "/changes", "/sizes")) {
            Response r = send("GET", a + "/segments/" + idB + suffix, keyA, null);
            assertThat(r.status).isEqualTo(404);
            assertThat(r.json.get("error").asText()).isEqualTo("segment_not_found");
        }
        assertThat(send("DELETE", a + "/segments/" + idB, keyA, null).status).isEqualTo(404);
        assertThat(send("GET", a + "/segments/" + idA, keyA, null).status).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/segments/" + idB, keyB, null).status).isEqualTo(200);
    }

    @Test
    void aStoreHasAtMostOneHundredSegmentsAndTheRefusalNamesTheLimit() throws Exception {
        StoreRepository.Created full = stores.create("Many segments", false);
        String id = full.store().id();
        for (int i = 0; i < 100; i++) {
            Response r = send("POST", "/api/v1/stores/" + id + "/segments", full.secretKey(),
                    "{\"template\": \"cart_abandoners\", \"within_days\": " + (i % 30 + 1) + "}");
            assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(201);
        }
        Response refused = send("POST", "/api/v1/stores/" + id + "/segments", full.secretKey(),
                "{\"template\": \"cart_abandoners\", \"within_days\": 7}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("error").asText()).isEqualTo("segment_limit_reached");
        assertThat(refused.json().get("message").asText()).contains("100").contains("segments-per-store");
        Response list = send("GET", "/api/v1/stores/" + id + "/segments", full.secretKey(), null);
        assertThat(list.json().get("segments").size()).isEqualTo(100);
    }
}
