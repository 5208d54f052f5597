package io.rebound.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.common.test.KafkaClusterTestKit;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code rebound serve} in cluster mode, end to end: a real Kafka broker in this JVM, PostgreSQL (a
 * fresh database), two nodes as child processes. A store and segments are created on node A,
 * events are posted to node B, and both nodes answer the segment API from PostgreSQL; then node B
 * is killed with SIGKILL mid-stream and the rest of the events go to node A. The memberships every
 * node serves must equal the embedded server's on the same HTTP requests, and each person's change
 * feed must alternate joined/left — nothing lost, nothing doubled.
 */
class ClusterServeIT {
    private static final String ADMIN = "adm_cluster_it";
    private static final List<String> TEMPLATES = List.of("product_viewers", "cart_abandoners", "past_purchasers");
    private static final Duration SETTLE = Duration.ofSeconds(120);

    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBrokerAndDatabase() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    /** A node of the deployment under test, configured like an operator would (REBOUND_* variables). */
    private ClusterNodeProcess node(String name, String role) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("REBOUND_KAFKA_TOPIC_PREFIX", "it");
        env.put("REBOUND_CLUSTER_ROLE", role);
        env.put("REBOUND_KAFKA_PARTITIONS", "4");
        env.put("REBOUND_KAFKA_REPLICATION_FACTOR", "1");
        env.put("REBOUND_KAFKA_STREAM_THREADS", "1");
        env.put("REBOUND_KAFKA_STANDBY_REPLICAS", "0");
        env.put("REBOUND_KAFKA_COMMIT_INTERVAL_MS", "50");
        env.put("REBOUND_KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("REBOUND_DATABASE_URL", pg.jdbcUrl());
        env.put("REBOUND_DATABASE_USER", PostgresTestDatabase.USER);
        env.put("REBOUND_ADMIN_TOKEN", ADMIN);
        env.put("REBOUND_EVENT_LOOPS", "1");
        env.put("REBOUND_RATE_LIMIT_PER_SECOND", "1000000");
        env.put("REBOUND_RATE_LIMIT_BURST", "1000000");
        return ClusterNodeProcess.start(tmp.resolve(name), env);
    }

    /** A store and the three template segments on one deployment. */
    private record Tenant(String url, String storeId, String writeKey, String secret, Map<String, String> segments) {
    }

    @Test
    void twoNodesServeTheEmbeddedMembershipsAndSurviveAKilledNode() throws Exception {
        List<String> events = events(new Random(7), 70, 700);
        try (ReboundServer reference = ReboundServer.start(ServerConfig.defaults(tmp.resolve("embedded")).withPort(0)
                .withAdminToken(ADMIN).withRateLimit(1_000_000, 1_000_000));
             ClusterNodeProcess a = node("a", "all");
             ClusterNodeProcess b = node("b", "all")) {
            Tenant embedded = tenant(reference.baseUrl(), reference.baseUrl());
            Tenant onA = tenant(a.baseUrl(), a.baseUrl());
            Tenant onB = new Tenant(b.baseUrl(), onA.storeId, onA.writeKey, onA.secret, onA.segments);

            // Created on A, built everywhere: the backfill progress reaches both nodes' API.
            for (Tenant t : List.of(onA, onB)) {
                await("segments ready on " + t.url, () -> TEMPLATES.stream().allMatch(s ->
                        "ready".equals(get(t, "/segments/" + t.segments.get(s)).get("status").asText())));
            }
            JsonNode listed = get(onB, "/segments").get("segments");
            assertThat(listed).hasSize(3);
            assertThat(listed.get(0).get("progress").get("percent").asDouble()).isEqualTo(100.0);

            int first = events.size() * 2 / 5;
            int second = events.size() * 7 / 10;
            post(onB, events.subList(0, first));
            post(embedded, events.subList(0, first));
            reference.audiences().sync();
            Map<String, Set<String>> expected = members(embedded);
            assertThat(expected.values()).as("the events make members").anyMatch(m -> !m.isEmpty());
            awaitEqual("node B's events, read from A", () -> members(onA), expected);
            awaitEqual("node B's events, read from B", () -> members(onB), expected);

            // Mid-stream: B's Streams tasks still have the acknowledged events of this batch to process.
            post(onB, events.subList(first, second));
            b.kill();
            post(onA, events.subList(second, events.size()));
            post(embedded, events.subList(first, events.size()));
            reference.audiences().sync();
            Map<String, Set<String>> all = members(embedded);
            awaitEqual("every event processed after the kill", () -> members(onA), all);
            assertChangeFeedsAlternate(onA);
            // The self-check is reported by every Streams node, and a correct engine finds nothing to repair.
            var health = http.send(HttpRequest.newBuilder(URI.create(a.baseUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode audit = new ObjectMapper().readTree(health.body()).get("audit");
            assertThat(audit.get("status").asText()).as(health.body()).isEqualTo("clean");
            assertThat(audit.get("mismatches").asLong()).isZero();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(a.baseUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("rebound_audit_mismatches_total");

            // A node started afterwards (collector role, no Streams) serves the same answers from PostgreSQL.
            try (ClusterNodeProcess c = node("c", "collector")) {
                Tenant onC = new Tenant(c.baseUrl(), onA.storeId, onA.writeKey, onA.secret, onA.segments);
                assertThat(members(onC)).isEqualTo(all);
                for (String template : TEMPLATES) {
                    String path = "/segments/" + onA.segments.get(template);
                    assertThat(get(onC, path).get("size").asLong()).as(template).isEqualTo(all.get(template).size());
                }
                // Timelines too: node C answers with what the embedded server stored for the same requests,
                // including what node B accepted just before it was killed.
                awaitEqual("v1's timeline on node C", () -> eventIds(onC, "v1"), eventIds(embedded, "v1"));

                // Privacy erasure from any collector node: every linked id and membership goes, on every node.
                String member = all.values().stream().flatMap(Set::stream).findFirst().orElseThrow().split(",")[0];
                assertThat(get(onA, "/visitors/" + member + "/segments").get("segments")).isNotEmpty();
                var erased = http.send(HttpRequest.newBuilder(URI.create(onC.url + "/api/v1/stores/" + onC.storeId
                                + "/visitors/" + member)).header("Authorization", "Bearer " + onC.secret).DELETE().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(erased.statusCode()).as(erased.body()).isEqualTo(202);
                await("the erased visitor is nobody's member", () -> members(onA).values().stream()
                        .flatMap(Set::stream).noneMatch(m -> List.of(m.split(",")).contains(member)));
                // The erasure is asynchronous (202): memberships go first, then the person's ids, on their partitions.
                await("the erased visitor's ids resolve to nobody", () -> {
                    JsonNode after = get(onA, "/visitors/" + member + "/segments");
                    return after.get("segments").isEmpty() && after.get("person_id").isNull();
                });
            }
        }
    }

    // ---- the workload ---------------------------------------------------------------------------

    /**
     * Segment-spec messages (one JSON object each): views, adds, purchases, duplicates, and logins that
     * merge two browsers into one person (visitor v and v + visitors/2 are the same user), across partitions.
     * (Logins that chain several user ids into one person can leave the cluster's grouping different from
     * the sequential engine's under concurrent hops — see the closing note of issue 5.)
     */
    private static List<String> events(Random random, int visitors, int n) {
        String[] names = {"Product Viewed", "Product Viewed", "Product Added", "Order Completed"};
        Instant now = Instant.now();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String visitor = "v" + random.nextInt(visitors);
            Instant t = now.minus(Duration.ofMinutes(1 + random.nextInt(3 * 24 * 60)));
            if (random.nextInt(10) == 0) {
                out.add("""
                        {"type":"identify","messageId":"m%d","anonymousId":"%s","userId":"u%d","timestamp":"%s"}"""
                        .formatted(i, visitor, Integer.parseInt(visitor.substring(1)) % (visitors / 2), t));
            } else {
                out.add("""
                        {"type":"track","event":"%s","messageId":"m%d","anonymousId":"%s","timestamp":"%s",
                         "properties":{"product_id":"p%d","price":20,"revenue":20,"currency":"USD"}}"""
                        .formatted(names[random.nextInt(names.length)], i, visitor, t, random.nextInt(3)));
            }
            if (random.nextInt(15) == 0) {
                out.add(out.get(random.nextInt(out.size())));
            }
        }
        return out;
    }

    private void post(Tenant t, List<String> messages) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((t.writeKey + ":").getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < messages.size(); i += 25) {
            String body = "{\"batch\":[" + String.join(",", messages.subList(i, Math.min(messages.size(), i + 25))) + "]}";
            var r = http.send(HttpRequest.newBuilder(URI.create(t.url + "/v1/batch")).header("Authorization", auth)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(r.body()).path("rejected")).as(r.body()).isEmpty();
        }
    }

    // ---- the API --------------------------------------------------------------------------------

    private Tenant tenant(String url, String segmentsUrl) throws Exception {
        var created = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/stores"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Cluster IT\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode store = Json.MAPPER.readTree(created.body());
        Tenant t = new Tenant(url, store.get("id").asText(), store.get("write_key").asText(),
                store.get("secret_key").asText(), new TreeMap<>());
        for (String template : TEMPLATES) {
            var r = http.send(HttpRequest.newBuilder(URI.create(segmentsUrl + "/api/v1/stores/" + t.storeId + "/segments"))
                    .header("Authorization", "Bearer " + t.secret).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"template\":\"" + template + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            t.segments.put(template, Json.MAPPER.readTree(r.body()).get("id").asText());
        }
        return t;
    }

    private JsonNode get(Tenant t, String path) {
        try {
            var r = http.send(HttpRequest.newBuilder(URI.create(t.url + "/api/v1/stores/" + t.storeId + path))
                    .header("Authorization", "Bearer " + t.secret).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(path, e);
        }
    }

    /** The ids of a visitor's stored events (order is the contract suite's concern). */
    private Set<String> eventIds(Tenant t, String visitor) {
        Set<String> ids = new java.util.TreeSet<>();
        get(t, "/visitors/" + visitor + "/events").get("events").forEach(e -> ids.add(e.get("event_id").asText()));
        return ids;
    }

    /**
     * Per template: each member as the sorted anonymous ids of its person (person ids are named by
     * each runtime; the grouping of browsers into persons is what must agree).
     */
    private Map<String, Set<String>> members(Tenant t) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String template : TEMPLATES) {
            Set<String> members = new TreeSet<>();
            JsonNode page = get(t, "/segments/" + t.segments.get(template) + "/members?limit=1000");
            assertThat(page.get("next_cursor").isNull()).isTrue();
            for (JsonNode m : page.get("members")) {
                List<String> ids = new ArrayList<>();
                m.get("anonymous_ids").forEach(id -> ids.add(id.asText()));
                ids.sort(null);
                members.add(String.join(",", ids));
            }
            out.put(template, members);
        }
        return out;
    }

    /** Per person the feed is joined, left, joined, ...: no change lost or applied twice; and it ends in the members. */
    private void assertChangeFeedsAlternate(Tenant t) {
        for (String template : TEMPLATES) {
            String segment = "/segments/" + t.segments.get(template);
            Map<String, String> last = new HashMap<>();
            long after = 0;
            while (true) {
                JsonNode page = get(t, segment + "/changes?limit=1000&after=" + after);
                for (JsonNode c : page.get("changes")) {
                    String before = last.put(c.get("person_id").asText(), c.get("kind").asText());
                    assertThat(before == null ? "joined".equals(c.get("kind").asText()) : !before.equals(c.get("kind").asText()))
                            .as("alternating feed of %s in %s: %s", c.get("person_id").asText(), template, c).isTrue();
                }
                if (page.get("changes").isEmpty()) {
                    break;
                }
                after = page.get("next_after").asLong();
            }
            long joined = last.values().stream().filter("joined"::equals).count();
            assertThat(joined).as("members by the feed of " + template).isEqualTo(get(t, segment).get("size").asLong());
        }
    }

    private static <T> void awaitEqual(String what, Supplier<T> actual, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        T last = actual.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            last = actual.get();
        }
        assertThat(last).as(what + " (waited up to " + SETTLE + ")").isEqualTo(expected);
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + SETTLE + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }
}
