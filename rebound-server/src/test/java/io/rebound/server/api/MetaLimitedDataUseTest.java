package io.rebound.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.Received;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.SegmentRecord;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store's Meta Limited Data Use policy, set through the destinations API, on every customer-list row
 * and every Conversions API event its Meta destination sends (the Meta contract server checks the
 * fields and their codes): {@code ["LDU"]} with country and state 0/0 (Meta geolocates) by default, or
 * the fixed country and state the store gave; bad values are a 400 naming the field.
 */
class MetaLimitedDataUseTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "EAAB-ldu-token-1234";
    private static final String PIXEL = "555000333";
    private static final Instant T = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MILLIS);

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static MetaContractServer meta;

    private record Shop(String storeId, String writeKey, String secretKey, String segmentId) {
    }

    private record Answer(int status, JsonNode json, String raw) {
    }

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withActivation(new ServerConfig.Activation(null, Duration.ofMillis(100))));
        meta = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000);
    }

    @AfterAll
    static void stop() {
        server.close();
        meta.close();
    }

    @Test
    void badLimitedDataUseSettingsAreRefusedNamingTheField() throws Exception {
        Shop shop = shop("LDU refusals");
        String path = "/api/v1/stores/" + shop.storeId() + "/destinations";
        assertRefused(call("POST", path, body("\"data_processing_options\":[\"LIMITED\"]"), shop), "config.data_processing_options");
        assertRefused(call("POST", path, body("\"data_processing_options\":\"LDU\""), shop), "config.data_processing_options");
        assertRefused(call("POST", path, body("\"data_processing_options\":[\"LDU\"],\"data_processing_options_country\":2"), shop),
                "config.data_processing_options_country");
        assertRefused(call("POST", path, body("\"data_processing_options\":[\"LDU\"],\"data_processing_options_country\":\"1\""), shop),
                "config.data_processing_options_country");
        assertRefused(call("POST", path, body("\"data_processing_options\":[\"LDU\"],\"data_processing_options_state\":1000"), shop),
                "config.data_processing_options_state");
        assertRefused(call("POST", path, body("\"data_processing_options\":[\"LDU\"],\"data_processing_options_country\":1,"
                + "\"data_processing_options_state\":77"), shop), "config.data_processing_options_state");
        assertRefused(call("POST", path, body("\"data_processing_options_country\":1"), shop),
                "config.data_processing_options_country");
        Answer ok = call("POST", path, body("\"data_processing_options\":[\"LDU\"]"), shop);
        assertThat(ok.status()).as(ok.raw()).isEqualTo(201);
        assertRefused(call("PATCH", path + "/" + ok.json().path("id").asText(),
                "{\"config\":{\"data_processing_options_state\":1000}}", shop), "config.data_processing_options_state");
        assertThat(call("DELETE", path + "/" + ok.json().path("id").asText(), null, shop).status()).isEqualTo(204);
    }

    @Test
    void everyRowAndEventOfTheStoreCarriesLduGeolocatedByMetaOrAtTheFixedCountryAndState() throws Exception {
        Shop shop = shop("LDU shop");
        String path = "/api/v1/stores/" + shop.storeId() + "/destinations";
        Answer created = call("POST", path, body("\"data_processing_options\":[\"LDU\"]"), shop);
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        assertThat(created.json().path("config").path("data_processing_options").toString()).as(created.raw())
                .isEqualTo("[\"LDU\"]");
        String id = created.json().path("id").asText();
        Answer paired = call("PUT", "/api/v1/stores/" + shop.storeId() + "/segments/" + shop.segmentId()
                + "/destinations/" + id, null, shop);
        assertThat(paired.status()).as(paired.raw()).isEqualTo(201);
        String audience = paired.json().path("audience_id").asText();
        await(() -> server.activation().forwarding(id).isPresent());

        int received = meta.received().size();
        addToCart(shop, "geo", 0, 3);
        await(() -> meta.members(audience).size() == 3 && carts(shop, "geo").size() == 3);
        assertThat(meta.violations()).isEmpty();
        for (JsonNode payload : userPayloads(received)) {
            assertThat(payload.path("schema").toString()).endsWith("\"EXTERN_ID\",\"DATA_PROCESSING_OPTIONS\"]");
            payload.path("data").forEach(row -> assertThat(row.get(row.size() - 1).toString()).isEqualTo("[\"LDU\"]"));
        }
        for (JsonNode e : carts(shop, "geo")) {
            assertThat(e.path("data_processing_options").toString()).isEqualTo("[\"LDU\"]");
            assertThat(e.path("data_processing_options_country").asInt(-1)).isZero();
            assertThat(e.path("data_processing_options_state").asInt(-1)).isZero();
        }

        // The store fixes California: every row and event from now on says so.
        Answer patched = call("PATCH", path + "/" + id, "{\"config\":{\"data_processing_options_country\":1,"
                + "\"data_processing_options_state\":1000}}", shop);
        assertThat(patched.status()).as(patched.raw()).isEqualTo(200);
        await(() -> server.activation().forwarding(id).isPresent());
        int before = meta.received().size();
        addToCart(shop, "ca", 10, 13);
        await(() -> meta.members(audience).size() == 6 && carts(shop, "ca").size() == 3);
        assertThat(meta.members(audience)).contains(sha256("shopper12@example.com"));
        assertThat(meta.violations()).isEmpty();
        List<JsonNode> fixed = userPayloads(before);
        assertThat(fixed).isNotEmpty();
        for (JsonNode payload : fixed) {
            assertThat(payload.path("schema").toString()).endsWith(
                    "\"DATA_PROCESSING_OPTIONS\",\"DATA_PROCESSING_OPTIONS_COUNTRY\",\"DATA_PROCESSING_OPTIONS_STATE\"]");
            payload.path("data").forEach(row -> assertThat(row.toString()).endsWith("[\"LDU\"],1,1000]"));
        }
        for (JsonNode e : carts(shop, "ca")) {
            assertThat(e.path("data_processing_options").toString()).isEqualTo("[\"LDU\"]");
            assertThat(e.path("data_processing_options_country").asInt()).isEqualTo(1);
            assertThat(e.path("data_processing_options_state").asInt()).isEqualTo(1000);
        }
        assertThat(call("DELETE", path + "/" + id, null, shop).status()).isEqualTo(204);
    }

    // ---- helpers ----

    private static String body(String ldu) {
        return """
                {"platform":"meta","name":"Meta LDU","mode":"live","api_base_url":"%s",
                 "config":{"ad_account_id":"1234567890","pixel_id":"%s","access_token":"%s",%s}}"""
                .formatted(meta.baseUrl(), PIXEL, TOKEN, ldu);
    }

    /** The {@code /users} payloads Meta received after the first {@code skip} requests. */
    private static List<JsonNode> userPayloads(int skip) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        List<Received> all = meta.received();
        for (Received r : all.subList(skip, all.size())) {
            if (r.path().endsWith("/users") && r.method().equals("POST")) {
                out.add(Json.MAPPER.readTree(r.body()).path("payload"));
            }
        }
        return out;
    }

    private static List<JsonNode> carts(Shop shop, String tag) {
        return meta.events().stream().filter(e -> e.path("event_id").asText().startsWith(shop.storeId() + "-" + tag + "-"))
                .toList();
    }

    private static Shop shop(String name) throws Exception {
        StoreRepository.Created created = server.stores().create(name, false);
        String storeId = created.store().id();
        SegmentRecord s = server.audiencesPort().createSegment(storeId,
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        await(() -> server.audiencesPort().segment(storeId, s.id()).orElseThrow().status() == SegmentRecord.Status.READY);
        return new Shop(storeId, created.store().writeKey(), created.secretKey(), s.id());
    }

    private static void addToCart(Shop s, String tag, int from, int to) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"%3$s-%4$s-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"Shopper%1$d@Example.com"}}"""
                    .formatted(i, T, s.storeId(), tag));
        }
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("Content-Type", "application/json").header("User-Agent", "Mozilla/5.0")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (s.writeKey() + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + String.join(",", events) + "]}")).build();
        assertThat(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private static Answer call(String method, String path, String body, Shop shop) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + shop.secretKey())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body()), r.body());
    }

    private static void assertRefused(Answer a, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(400);
        assertThat(a.json().path("field").asText()).as(a.raw()).isEqualTo(field);
        assertThat(a.json().path("message").asText()).isNotBlank();
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(25);
        }
    }
}
