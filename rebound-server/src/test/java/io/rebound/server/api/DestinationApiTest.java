package io.rebound.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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
 * The destinations API on a real embedded server: connecting a destination (every field checked by
 * name), credentials never shown again and never stored in clear, syncing a segment to a platform's
 * contract server (rebound-destinations' test-jar) through the worker serve starts, the requests log,
 * the platform's test path, dry-run, and tenant isolation.
 */
class DestinationApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final String META_TOKEN = "EAAB-meta-token-abcd1234";

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static MetaContractServer meta;
    private static Shop shop;
    private static Shop other;

    private record Shop(String storeId, String writeKey, String secretKey, String segmentId) {
    }

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withActivation(new ServerConfig.Activation(null, Duration.ofMillis(200))));
        meta = new MetaContractServer(META_TOKEN, "1234567890", "555000111", Clock.systemUTC(), 60_000);
        shop = shop("Destinations shop");
        other = shop("Someone else's shop");
    }

    @AfterAll
    static void stop() {
        server.close();
        meta.close();
    }

    private static Shop shop(String name) throws Exception {
        StoreRepository.Created created = server.stores().create(name, false);
        String storeId = created.store().id();
        SegmentRecord s = server.audiencesPort().createSegment(storeId,
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        await(() -> server.audiencesPort().segment(storeId, s.id()).orElseThrow().status() == SegmentRecord.Status.READY);
        return new Shop(storeId, created.store().writeKey(), created.secretKey(), s.id());
    }

    // ---- HTTP ----

    private record Answer(int status, JsonNode json, String raw) {
    }

    private static Answer call(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body()), r.body());
    }

    private static String destinations(Shop s) {
        return "/api/v1/stores/" + s.storeId() + "/destinations";
    }

    private static String metaBody(String mode) {
        return """
                {"platform":"meta","name":"Meta ads","mode":"%s","api_base_url":"%s",
                 "config":{"ad_account_id":"act_1234567890","pixel_id":"555000111","access_token":"%s"}}"""
                .formatted(mode, meta.baseUrl(), META_TOKEN);
    }

    private static void assertRefused(Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.json().path("field").asText()).as(a.raw()).isEqualTo(field);
        assertThat(a.json().path("message").asText()).isNotBlank();
    }

    // ---- tests ----

    @Test
    void badSettingsAreRefusedNamingTheField() throws Exception {
        String path = destinations(shop);
        String key = shop.secretKey();
        assertRefused(call("POST", path, "{\"platform\":\"myspace\",\"name\":\"x\",\"config\":{}}", key), 400, "platform");
        assertRefused(call("POST", path, "{\"platform\":\"meta\",\"name\":\"\",\"config\":{}}", key), 400, "name");
        assertRefused(call("POST", path, "{\"platform\":\"meta\",\"name\":\"x\",\"mode\":\"loud\",\"config\":{}}", key), 400, "mode");
        assertRefused(call("POST", path, "{\"platform\":\"meta\",\"name\":\"x\",\"colour\":1,\"config\":{}}", key), 400, "colour");
        assertRefused(call("POST", path, "{\"platform\":\"meta\",\"name\":\"x\",\"api_base_url\":\"file:///etc\",\"config\":{}}", key),
                400, "api_base_url");
        assertRefused(call("POST", path, "{\"platform\":\"meta\",\"name\":\"x\",\"config\":[]}", key), 400, "config");
        assertRefused(call("POST", path, """
                {"platform":"meta","name":"x","config":{"ad_account_id":"12ab","access_token":"t"}}""", key),
                400, "config.ad_account_id");
        assertRefused(call("POST", path, """
                {"platform":"meta","name":"x","config":{"ad_account_id":"123"}}""", key), 400, "config.access_token");
        assertRefused(call("POST", path, """
                {"platform":"meta","name":"x","config":{"ad_account_id":"123","access_token":"t","pixel":"1"}}""", key),
                400, "config.pixel");
        assertRefused(call("POST", path, """
                {"platform":"tiktok","name":"x","config":{"advertiser_id":"1","access_token":"t","pixel_code":"lower"}}""", key),
                400, "config.pixel_code");
        assertRefused(call("POST", path, """
                {"platform":"pinterest","name":"x","config":{"ad_account_id":"1"}}""", key), 400, "config.api_token");
        assertRefused(call("POST", path, """
                {"platform":"google","name":"x","config":{"operating_account_id":"123-456-7890"}}""", key),
                400, "config.client_id");
        assertRefused(call("POST", path, """
                {"platform":"google","name":"x","config":{"operating_account_id":"1","service_account_key":"{}"}}""", key),
                400, "config.service_account_key");
        assertRefused(call("POST", path, """
                {"platform":"google","name":"x","config":{"operating_account_id":"1","client_id":"c","client_secret":"s",
                 "refresh_token":"r","membership_days":9999}}""", key), 400, "config.membership_days");
        Answer malformed = call("POST", path, "{\"platform\":", key);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().path("error").asText()).isEqualTo("invalid_json");
        assertThat(call("GET", path, null, shop.secretKey()).json().path("destinations").toString())
                .as("nothing was stored").doesNotContain("\"name\":\"x\"");
    }

    @Test
    void credentialsAreNeverShownAgainNorStoredInClear() throws Exception {
        Answer created = call("POST", destinations(shop), metaBody("dry_run"), shop.secretKey());
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        String id = created.json().path("id").asText();
        assertThat(created.raw()).doesNotContain(META_TOKEN);
        assertThat(created.json().path("secrets").path("access_token").asText()).isEqualTo("…1234");
        assertThat(created.json().path("config").path("ad_account_id").asText()).isEqualTo("act_1234567890");
        Answer read = call("GET", destinations(shop) + "/" + id, null, shop.secretKey());
        assertThat(read.raw()).doesNotContain(META_TOKEN);
        try (Connection c = server.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT settings, secrets, secret_hints FROM destinations WHERE id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            for (int i = 1; i <= 3; i++) {
                assertThat(rs.getString(i)).doesNotContain(META_TOKEN).doesNotContain("meta-token");
            }
            assertThat(rs.getString(2)).startsWith("v1:");
        }
        Answer renamed = call("PATCH", destinations(shop) + "/" + id, "{\"name\":\"Meta, renamed\"}", shop.secretKey());
        assertThat(renamed.status()).as(renamed.raw()).isEqualTo(200);
        assertThat(renamed.json().path("name").asText()).isEqualTo("Meta, renamed");
        assertThat(renamed.json().path("secrets").path("access_token").asText()).as("kept when not sent again")
                .isEqualTo("…1234");
        assertThat(call("DELETE", destinations(shop) + "/" + id, null, shop.secretKey()).status()).isEqualTo(204);
        assertThat(call("GET", destinations(shop) + "/" + id, null, shop.secretKey()).status()).isEqualTo(404);
    }

    @Test
    void anotherStoresKeySeesNothing() throws Exception {
        String id = call("POST", destinations(shop), metaBody("dry_run"), shop.secretKey()).json().path("id").asText();
        String theirs = "/api/v1/stores/" + other.storeId() + "/destinations/" + id;
        assertThat(call("GET", theirs, null, other.secretKey()).status()).isEqualTo(404);
        assertThat(call("GET", destinations(shop) + "/" + id, null, other.secretKey()).status()).isEqualTo(404);
        assertThat(call("PATCH", theirs, "{\"name\":\"mine\"}", other.secretKey()).status()).isEqualTo(404);
        assertThat(call("DELETE", theirs, null, other.secretKey()).status()).isEqualTo(404);
        assertThat(call("PUT", "/api/v1/stores/" + other.storeId() + "/segments/" + other.segmentId() + "/destinations/" + id,
                null, other.secretKey()).status()).isEqualTo(404);
        assertThat(call("GET", destinations(other), null, other.secretKey()).json().path("destinations")).isEmpty();
        assertThat(call("DELETE", destinations(shop) + "/" + id, null, shop.secretKey()).status()).isEqualTo(204);
    }

    @Test
    void aSyncedSegmentReachesTheLivePlatformAndTheRequestsAreShownRedacted() throws Exception {
        Answer created = call("POST", destinations(shop), metaBody("live"), shop.secretKey());
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        String id = created.json().path("id").asText();
        String sync = "/api/v1/stores/" + shop.storeId() + "/segments/" + shop.segmentId() + "/destinations/" + id;
        assertRefused(call("PUT", sync, "{\"audience_id\":\"abc\"}", shop.secretKey()), 400, "audience_id");
        assertRefused(call("PUT", sync, "{\"audience\":\"1\"}", shop.secretKey()), 400, "audience");
        Answer paired = call("PUT", sync, null, shop.secretKey());
        assertThat(paired.status()).as(paired.raw()).isEqualTo(201);
        assertThat(paired.json().path("created_audience").asBoolean()).isTrue();
        String audience = paired.json().path("audience_id").asText();
        JsonNode website = paired.json().path("website_audience");
        assertThat(website.path("error").isNull()).as(paired.raw()).isTrue();
        assertThat(meta.websiteAudiences()).as("a website Custom Audience by rule on the segment's membership event")
                .containsEntry(website.path("id").asText(), website.path("event_name").asText());
        assertThat(website.path("event_name").asText()).startsWith("Rebound_");
        assertThat(call("PUT", sync, null, shop.secretKey()).status()).as("already synced").isEqualTo(200);

        addToCart(shop, 0, 20);
        await(() -> meta.members(audience).size() == 20);
        assertThat(meta.members(audience)).contains(sha256("shopper0@example.com"), sha256("shopper19@example.com"));
        assertThat(meta.violations()).isEmpty();

        Answer status = call("GET", destinations(shop) + "/" + id, null, shop.secretKey());
        JsonNode segment = status.json().path("status").path("segments").get(0);
        assertThat(status.json().path("status").path("running").asBoolean()).isTrue();
        assertThat(segment.path("segment_id").asText()).isEqualTo(shop.segmentId());
        await(() -> {
            try {
                return call("GET", destinations(shop) + "/" + id, null, shop.secretKey()).json().path("status")
                        .path("segments").get(0).path("uploaded").asLong() == 20;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode rate = call("GET", destinations(shop) + "/" + id, null, shop.secretKey()).json().path("status")
                .path("send_rate");
        assertThat(rate.path("last_5m").asLong()).as("the 20 additions, counted in the last minutes").isGreaterThanOrEqualTo(20);
        assertThat(rate.path("last_60m").asLong()).isGreaterThanOrEqualTo(rate.path("last_5m").asLong());
        assertThat(rate.path("per_minute_5m").asDouble()).isEqualTo(Math.round(rate.path("last_5m").asLong() / 5.0 * 10) / 10.0);
        Answer requests = call("GET", destinations(shop) + "/" + id + "/requests?limit=50", null, shop.secretKey());
        assertThat(requests.raw()).doesNotContain(META_TOKEN);
        assertThat(requests.json().path("requests")).isNotEmpty();
        assertThat(requests.json().path("requests").get(0).path("mode").asText()).isEqualTo("live");
        assertThat(requests.json().path("requests").toString()).contains("/users");

        assertThat(call("GET", "/api/v1/stores/" + shop.storeId() + "/segments/" + shop.segmentId() + "/destinations",
                null, shop.secretKey()).json().path("destinations").get(0).path("destination_id").asText()).isEqualTo(id);
        assertThat(call("DELETE", sync, null, shop.secretKey()).status()).isEqualTo(204);
        assertThat(call("DELETE", sync, null, shop.secretKey()).status()).isEqualTo(404);
        assertThat(call("DELETE", destinations(shop) + "/" + id, null, shop.secretKey()).status()).isEqualTo(204);
    }

    @Test
    void theTestPathNeedsATestCodeAndSendsOneMarkedEvent() throws Exception {
        String id = call("POST", destinations(shop), metaBody("live"), shop.secretKey()).json().path("id").asText();
        String test = destinations(shop) + "/" + id + "/test";
        assertRefused(call("POST", test, null, shop.secretKey()), 400, "config.test_event_code");
        int before = meta.received().size();
        Answer ok = call("POST", test, "{\"test_event_code\":\"TEST4321\"}", shop.secretKey());
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        assertThat(ok.json().path("ok").asBoolean()).as(ok.raw()).isTrue();
        assertThat(ok.json().path("outcome").path("result").asText()).isEqualTo("accepted");
        List<Received> sent = meta.received().subList(before, meta.received().size());
        assertThat(sent).hasSize(1);
        JsonNode body = Json.MAPPER.readTree(sent.getFirst().body());
        assertThat(body.path("test_event_code").asText()).isEqualTo("TEST4321");
        assertThat(meta.violations()).isEmpty();
        assertThat(call("DELETE", destinations(shop) + "/" + id, null, shop.secretKey()).status()).isEqualTo(204);
    }

    @Test
    void dryRunRecordsWhatLiveWouldSendAndSendsNothing() throws Exception {
        try (PinterestContractServer pinterest = new PinterestContractServer("549755885175", "pina_api", "pina_conv")) {
            Shop dry = shop("Dry-run shop");
            String body = """
                    {"platform":"pinterest","name":"Pinterest","mode":"dry_run","api_base_url":"%s",
                     "config":{"ad_account_id":"549755885175","api_token":"pina_api","conversion_token":"pina_conv"}}"""
                    .formatted(pinterest.baseUrl());
            Answer created = call("POST", destinations(dry), body, dry.secretKey());
            assertThat(created.status()).as(created.raw()).isEqualTo(201);
            String id = created.json().path("id").asText();
            addToCart(dry, 100, 105);
            await(() -> server.audiencesPort().reader().size(dry.storeId(), dry.segmentId()) == 5);
            Answer paired = call("PUT", "/api/v1/stores/" + dry.storeId() + "/segments/" + dry.segmentId()
                    + "/destinations/" + id, null, dry.secretKey());
            assertThat(paired.status()).as(paired.raw()).isEqualTo(201);
            await(() -> {
                try {
                    return call("GET", destinations(dry) + "/" + id + "/requests", null, dry.secretKey()).json()
                            .path("requests").size() >= 3;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Answer requests = call("GET", destinations(dry) + "/" + id + "/requests", null, dry.secretKey());
            assertThat(requests.json().path("requests").get(0).path("mode").asText()).isEqualTo("dry_run");
            assertThat(requests.raw()).doesNotContain("pina_api").doesNotContain("pina_conv");
            assertThat(pinterest.received()).as("dry-run sends nothing").isEmpty();
            Answer test = call("POST", destinations(dry) + "/" + id + "/test", null, dry.secretKey());
            assertThat(test.json().path("outcome").path("result").asText()).as(test.raw()).isEqualTo("recorded");
            assertThat(test.json().path("request").path("url").asText()).endsWith("/events?test=true");
            assertThat(pinterest.received()).isEmpty();
        }
    }

    @Test
    void aConnectedDestinationSurvivesARestartAndKeepsSyncing() throws Exception {
        Path restartDir = dir.resolve("restart");
        ReboundServer first = ReboundServer.start(ServerConfig.defaults(restartDir).withPort(0)
                .withActivation(new ServerConfig.Activation(null, Duration.ofMillis(200))));
        String storeId;
        String id;
        try {
            StoreRepository.Created created = first.stores().create("Restart shop", false);
            storeId = created.store().id();
            id = first.activation().connect(storeId, "Meta", io.rebound.destinations.Mode.LIVE, meta.baseUrl(),
                    io.rebound.server.activation.DestinationSettings.parse(io.rebound.core.activation.Platform.META,
                            java.util.Map.of("ad_account_id", "1234567890", "access_token", META_TOKEN))).id();
        } finally {
            first.close();
        }
        ReboundServer second = ReboundServer.start(ServerConfig.defaults(restartDir).withPort(0));
        try {
            await(() -> second.activation().runsHere(id));
            assertThat(second.activation().get(storeId, id).orElseThrow().settings().secrets().get("access_token"))
                    .isEqualTo(META_TOKEN);
        } finally {
            second.close();
        }
    }

    @Test
    void aGivenUpBatchIsADeadLetterThatCanBeRetriedByHand() throws Exception {
        Shop s = shop("Dead letter shop");
        String body = """
                {"platform":"meta","name":"Meta lists","mode":"live","api_base_url":"%s",
                 "config":{"ad_account_id":"1234567890","access_token":"%s"}}""".formatted(meta.baseUrl(), META_TOKEN);
        String id = call("POST", destinations(s), body, s.secretKey()).json().path("id").asText();
        Answer paired = call("PUT", "/api/v1/stores/" + s.storeId() + "/segments/" + s.segmentId() + "/destinations/" + id,
                null, s.secretKey());
        String audience = paired.json().path("audience_id").asText();
        meta.inject(new io.rebound.destinations.contract.Fault.Permanent());
        addToCart(s, 300, 305);
        String letters = destinations(s) + "/" + id + "/dead-letters";
        await(() -> {
            try {
                return call("GET", letters, null, s.secretKey()).json().path("dead_letters").size() == 1;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode letter = call("GET", letters, null, s.secretKey()).json().path("dead_letters").get(0);
        assertThat(letter.path("operation").asText()).isEqualTo("add");
        assertThat(letter.path("persons").asInt()).isEqualTo(5);
        JsonNode status = call("GET", destinations(s) + "/" + id, null, s.secretKey()).json().path("status");
        assertThat(status.path("last_error").asText()).isNotEmpty();
        assertThat(java.time.Instant.parse(status.path("last_error_at").asText()))
                .isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now());
        assertThat(meta.members(audience)).doesNotContain(sha256("shopper300@example.com"));

        String retry = letters + "/" + letter.path("id").asLong() + "/retry";
        Answer retried = call("POST", retry, null, s.secretKey());
        assertThat(retried.status()).as(retried.raw()).isEqualTo(200);
        assertThat(retried.json().path("cleared").asBoolean()).isTrue();
        assertThat(retried.json().path("sent").asInt()).isEqualTo(5);
        assertThat(meta.members(audience)).contains(sha256("shopper300@example.com"), sha256("shopper304@example.com"));
        assertThat(call("GET", letters, null, s.secretKey()).json().path("dead_letters")).isEmpty();
        assertThat(call("POST", retry, null, s.secretKey()).status()).isEqualTo(404);
        assertThat(call("POST", letters + "/x/retry", null, s.secretKey()).status()).isEqualTo(400);
        assertThat(call("POST", retry, null, other.secretKey()).status()).as("another store's key").isEqualTo(404);
        assertThat(meta.violations()).isEmpty();
        assertThat(call("DELETE", destinations(s) + "/" + id, null, s.secretKey()).status()).isEqualTo(204);
    }

    @Test
    void theDemoConnectsAllFourPlatformsInDryRunAndSyncsCartAbandoners() throws Exception {
        ReboundServer demo = ReboundServer.start(ServerConfig.demo(dir.resolve("demo"), 0));
        try {
            String store = demo.demoStore().storeId();
            List<io.rebound.server.activation.JdbcDestinations.Record> all = demo.activation().list(store);
            assertThat(all).extracting(r -> r.platform().id()).containsExactly("meta", "google", "tiktok", "pinterest");
            assertThat(all).allMatch(r -> r.mode() == io.rebound.destinations.Mode.DRY_RUN && r.apiBaseUrl() == null);
            for (var d : all) {
                assertThat(demo.activation().pairings(d.id())).hasSize(1);
                await(() -> demo.activation().runsHere(d.id()));
            }
            assertThat(demo.activation().requests(all.getFirst().id(), 10)).as("Meta's audience creation, recorded")
                    .isNotEmpty();
        } finally {
            demo.close();
        }
        ReboundServer again = ReboundServer.start(ServerConfig.demo(dir.resolve("demo"), 0));
        try {
            assertThat(again.activation().list(again.demoStore().storeId())).as("connected once").hasSize(4);
        } finally {
            again.close();
        }
    }

    // ---- helpers ----

    private static final Instant T = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

    private static void addToCart(Shop s, int from, int to) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"Shopper%1$d@Example.com"}}"""
                    .formatted(i, T));
        }
        String body = "{\"batch\":[" + String.join(",", events) + "]}";
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (s.writeKey() + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        assertThat(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
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
