package io.rebound.server.activation;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Platform;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.TikTokContractServer;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
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
import java.util.Map;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-side event forwarding end to end: a shopper's events accepted by a real embedded server's
 * collector reach the platforms' conversions APIs (contract servers) with the browser's event ids and
 * click ids, only with consent, only from the moment the destination was connected, and with nothing
 * lost or doubled when the platform throttles; one destination's outage holds back no other.
 */
class ForwardingTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final String TOKEN = "EAAB-forwarding-token";
    private static final String PIXEL = "555000111";

    @TempDir
    static Path dir;
    private static ReboundServer server;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withActivation(new ServerConfig.Activation(null, Duration.ofMillis(100))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Shop(String storeId, String writeKey) {
    }

    private static Shop shop(String name) {
        StoreRepository.Created created = server.stores().create(name, false);
        return new Shop(created.store().id(), created.store().writeKey());
    }

    private static JdbcDestinations.Record meta(Shop shop, MetaContractServer platform) {
        return server.activation().connect(shop.storeId(), "Meta", Mode.LIVE, platform.baseUrl(),
                DestinationSettings.parse(Platform.META, Map.of("ad_account_id", "1234567890", "pixel_id", PIXEL,
                        "access_token", TOKEN)));
    }

    private static final Instant T = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MILLIS);

    private static String event(String id, String event, String visitor, String extra, String context) {
        return """
                {"type":"track","event":"%s","messageId":"%s","anonymousId":"%s","timestamp":"%s","properties":{"product_id":"mat","price":40,"currency":"USD"%s},"context":{%s}}"""
                .formatted(event, id, visitor, T, extra, context);
    }

    private static void post(Shop shop, List<String> events) throws Exception {
        String body = "{\"batch\":[" + String.join(",", events) + "]}";
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (shop.writeKey() + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static List<String> eventIds(MetaContractServer platform) {
        return platform.events().stream().map(e -> e.path("event_id").asText()).toList();
    }

    @Test
    void theFunnelReachesTheConversionsApiWithTheBrowsersIdsOnlyWithConsentAndFromTheConnectOn() throws Exception {
        try (MetaContractServer platform = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000)) {
            Shop shop = shop("Forwarding shop");
            post(shop, List.of(event("before-connect", "Product Viewed", "v0", "", "")));
            JdbcDestinations.Record d = meta(shop, platform);
            // No wait for the worker's first pass: every event accepted once connect has returned is forwarded.
            assertThat(server.activation().eventCursor(d.id())).as("the start is fixed when connect returns").isPresent();
            String ids = "\"userAgent\":\"" + BROWSER + "\",\"clickIds\":{\"fbp\":\"fb.1.1700000000000.1116446470\","
                    + "\"fbclid\":\"IwAR-click\"}";
            post(shop, List.of(
                    event("view-1", "Product Viewed", "v1", "", ids),
                    event("page-1", "Page Viewed", "v1", "", ids),
                    event("cart-1", "Product Added", "v1", ",\"email\":\"Shopper1@Example.com\"", ids),
                    event("denied-1", "Product Viewed", "v2", "", "\"consent\":{\"ad_user_data\":\"denied\"}"),
                    event("gpc-1", "Product Viewed", "v3", "", "\"gpc\":true"),
                    event("buy-1", "Order Completed", "v1", ",\"order_id\":\"o-1\",\"total\":40", ids)));
            await(() -> platform.events().size() >= 3);
            Thread.sleep(500);
            assertThat(eventIds(platform)).containsExactly("view-1", "cart-1", "buy-1");
            assertThat(platform.violations()).isEmpty();
            JsonNode view = platform.events().getFirst();
            assertThat(view.path("event_name").asText()).isEqualTo("ViewContent");
            assertThat(view.path("user_data").path("fbp").asText()).isEqualTo("fb.1.1700000000000.1116446470");
            assertThat(view.path("user_data").path("fbc").asText()).startsWith("fb.1.").endsWith(".IwAR-click");
            assertThat(view.path("user_data").path("client_user_agent").asText()).isEqualTo(BROWSER);
            JsonNode cart = platform.events().get(1);
            assertThat(cart.path("user_data").path("em").get(0).asText()).isEqualTo(sha256("shopper1@example.com"));
            JsonNode buy = platform.events().get(2);
            assertThat(buy.path("event_name").asText()).isEqualTo("Purchase");
            assertThat(buy.path("user_data").path("em").get(0).asText()).as("the person's email, learnt earlier")
                    .isEqualTo(sha256("shopper1@example.com"));
            assertThat(buy.path("custom_data").path("currency").asText()).isEqualTo("USD");
            assertThat(server.activation().forwarding(d.id()).orElseThrow().sent()).isEqualTo(3);
            server.activation().disconnect(shop.storeId(), d.id());
        }
    }

    @Test
    void aThrottledPlatformGetsEveryEventOnceItRecoversAndHoldsBackNoOtherDestination() throws Exception {
        try (MetaContractServer slow = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000);
             TikTokContractServer tiktok = new TikTokContractServer("tt-token", "7000000000000000001", "CPIXEL0001")) {
            Shop shop = shop("Outage shop");
            JdbcDestinations.Record metaDest = meta(shop, slow);
            JdbcDestinations.Record tiktokDest = server.activation().connect(shop.storeId(), "TikTok", Mode.LIVE,
                    tiktok.baseUrl(), DestinationSettings.parse(Platform.TIKTOK, Map.of("advertiser_id",
                            "7000000000000000001", "pixel_code", "CPIXEL0001", "access_token", "tt-token")));
            await(() -> server.activation().forwarding(metaDest.id()).isPresent()
                    && server.activation().forwarding(tiktokDest.id()).isPresent());
            for (int i = 0; i < 4; i++) {
                slow.inject(new Fault.ServerError(503));
            }
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                events.add(event("e" + i, "Product Viewed", "v" + i, "", ""));
            }
            post(shop, events);
            await(() -> tiktok.events().size() == 50);
            assertThat(slow.events()).as("still throttled while TikTok is done").size().isLessThan(50);
            await(() -> slow.events().size() == 50);
            Thread.sleep(300);
            assertThat(eventIds(slow)).as("each once, in order").hasSize(50).doesNotHaveDuplicates();
            assertThat(server.activation().forwarding(metaDest.id()).orElseThrow().retries()).isGreaterThanOrEqualTo(1);
            assertThat(slow.violations()).isEmpty();
            assertThat(tiktok.violations()).isEmpty();
            server.activation().disconnect(shop.storeId(), metaDest.id());
            server.activation().disconnect(shop.storeId(), tiktokDest.id());
        }
    }

    @Test
    void aSegmentJoinIsSentAsAMembershipEventWithTheVisitorsBrowserIds() throws Exception {
        try (MetaContractServer platform = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000)) {
            Shop shop = shop("Membership shop");
            var segment = server.audiencesPort().createSegment(shop.storeId(),
                    io.rebound.core.segment.SegmentTemplates.cartAbandoners(7,
                            io.rebound.core.segment.SegmentTemplates.Scope.STORE), "cart_abandoners");
            await(() -> server.audiencesPort().segment(shop.storeId(), segment.id()).orElseThrow().status()
                    == io.rebound.server.audience.SegmentRecord.Status.READY);
            JdbcDestinations.Record d = meta(shop, platform);
            assertThat(server.activation().pair(d, segment, null))
                    .isInstanceOf(Activation.PairResult.Paired.class);
            String ids = "\"userAgent\":\"" + BROWSER + "\",\"clickIds\":{\"fbp\":\"fb.1.1700000000000.42\"}";
            post(shop, List.of(event("anon-cart", "Product Added", "anon-1", "", ids)));
            String name = io.rebound.core.activation.Forwarding.membershipEventName(segment.definition().name());
            await(() -> platform.events().stream().anyMatch(e -> e.path("event_name").asText().equals(name)));
            JsonNode join = platform.events().stream().filter(e -> e.path("event_name").asText().equals(name))
                    .findFirst().orElseThrow();
            assertThat(join.path("event_id").asText()).startsWith("rb-join-" + segment.id() + "-");
            assertThat(join.path("user_data").path("fbp").asText()).isEqualTo("fb.1.1700000000000.42");
            assertThat(join.path("user_data").path("client_user_agent").asText()).isEqualTo(BROWSER);
            assertThat(platform.violations()).isEmpty();
            assertThat(platform.members(server.activation().pairings(d.id()).getFirst().audience().id()))
                    .as("an anonymous visitor is on no customer list").isEmpty();
            server.activation().disconnect(shop.storeId(), d.id());
        }
    }

    @Test
    void destinationsOfOneAdAccountSharePlatformBudgetsAndMetaIsPacedByItsAnswers() {
        Shop shop = shop("Budget shop");
        List<JdbcDestinations.Record> made = new ArrayList<>();
        for (String name : List.of("Pinterest A", "Pinterest B")) {
            made.add(server.activation().connect(shop.storeId(), name, Mode.DRY_RUN, null,
                    DestinationSettings.parse(Platform.PINTEREST, Map.of("ad_account_id", "549755885175",
                            "api_token", "pina_x"))));
        }
        made.add(server.activation().connect(shop.storeId(), "Google", Mode.DRY_RUN, null,
                DestinationSettings.parse(Platform.GOOGLE, Map.of("operating_account_id", "123-456-7890",
                        "client_id", "c", "client_secret", "s", "refresh_token", "r"))));
        made.add(server.activation().connect(shop.storeId(), "Meta", Mode.DRY_RUN, null,
                DestinationSettings.parse(Platform.META, Map.of("ad_account_id", "1", "access_token", "t"))));
        assertThat(server.activation().pacedAccounts()).contains("pinterest:549755885175", "google:1234567890")
                .noneMatch(k -> k.startsWith("meta:"));
        made.forEach(d -> server.activation().disconnect(shop.storeId(), d.id()));
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aGoogleDestinationWithAGa4StreamSendsTheFunnelThroughTheMeasurementProtocolWithTheGaClientId() throws Exception {
        try (GoogleContractServer platform = new GoogleContractServer("1234567890").ga4Stream("G-FORWARD123", "mp-secret-1")) {
            Shop shop = shop("GA4 shop");
            JdbcDestinations.Record d = server.activation().connect(shop.storeId(), "GA4", Mode.LIVE, platform.baseUrl(),
                    DestinationSettings.parse(Platform.GOOGLE, Map.of("operating_account_id", "1234567890",
                            "client_id", "client.apps.googleusercontent.com", "client_secret", "GOCSPX-secret",
                            "refresh_token", "1//refresh", "measurement_id", "G-FORWARD123", "api_secret", "mp-secret-1")));
            await(() -> server.activation().forwarding(d.id()).isPresent());
            String ids = "\"clickIds\":{\"ga_client_id\":\"1187410237.1700000000\"}";
            post(shop, List.of(
                    event("ga-view", "Product Viewed", "g1", "", ids),
                    event("ga-cart", "Product Added", "g1", "", ids),
                    event("ga-none", "Product Viewed", "g2", "", ""),
                    event("ga-buy", "Order Completed", "g1", ",\"order_id\":\"o-ga\",\"total\":40", ids)));
            await(() -> platform.ga4Events().size() >= 3);
            Thread.sleep(300);
            assertThat(platform.violations()).isEmpty();
            assertThat(platform.ga4Events()).extracting(e -> e.path("name").asText())
                    .containsExactly("view_item", "add_to_cart", "purchase");
            assertThat(platform.ga4Events()).allSatisfy(e -> assertThat(e.path("client_id").asText())
                    .isEqualTo("1187410237.1700000000"));
            JsonNode buy = platform.ga4Events().get(2).path("params");
            assertThat(buy.path("transaction_id").asText()).isEqualTo("o-ga");
            assertThat(buy.path("currency").asText()).isEqualTo("USD");
            assertThat(buy.path("items").get(0).path("item_id").asText()).isEqualTo("mat");
            assertThat(platform.tokenRequests()).as("GA4 needs no OAuth token").isZero();
            assertThat(server.activation().forwarding(d.id()).orElseThrow().skipped())
                    .containsEntry("no GA4 client id (_ga cookie)", 1L);
            server.activation().disconnect(shop.storeId(), d.id());
        }
    }
}
