package io.rebound.server.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.activation.Contact;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.Destination;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.PlatformContractServer;
import io.rebound.destinations.contract.TikTokContractServer;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.DeliveryEngine;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.google.AccessTokenProvider;
import io.rebound.destinations.google.GoogleConfig;
import io.rebound.destinations.google.GoogleDestination;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.destinations.pinterest.PinterestConfig;
import io.rebound.destinations.pinterest.PinterestDestination;
import io.rebound.destinations.tiktok.TikTokConfig;
import io.rebound.destinations.tiktok.TikTokDestination;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The correctness bar, for all four platforms at once: 10,000 shoppers join a segment and 3,000
 * leave it while one delivery engine syncs it to Meta, Google, TikTok and Pinterest (their contract
 * servers); each platform's final list, as its contract server holds it, equals the segment's uploadable
 * members exactly, every cursor reaches the end of the change log, and no request broke the contract.
 */
class FourPlatformSyncTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final int MEMBERS = 10_000;
    private static final int LEAVING = 3_000;

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static JdbcDeliveryRepository deliveries;

    @BeforeAll
    static void start() {
        // 13,000 events from this one address, faster than the default per-address limit allows.
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withIpRateLimit(0, 1));
        deliveries = new JdbcDeliveryRepository(server.database().dataSource(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final Instant T = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

    private static String hashOf(int i) {
        return sha256("shopper" + i + "@example.com");
    }

    @Test
    void tenThousandJoinThreeThousandLeaveAndEveryPlatformsListEqualsTheUploadableMembers() throws Exception {
        StoreRepository.Created created = server.stores().create("four platforms", false);
        String storeId = created.store().id();
        Audiences a = server.audiencesPort();
        SegmentRecord segment = a.createSegment(storeId, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE),
                "cart_abandoners");
        await("segment ready", () -> a.segment(storeId, segment.id()).orElseThrow().status() == SegmentRecord.Status.READY);

        HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(30));
        Clock clock = Clock.systemUTC();
        try (MetaContractServer meta = new MetaContractServer("EAAB-four", "1234567890", "555000111", clock, 60_000);
             GoogleContractServer google = new GoogleContractServer("1234567890").acceptToken("ya29.four");
             TikTokContractServer tiktok = new TikTokContractServer("tt-four", "7000111", "CPIXEL0001");
             PinterestContractServer pinterest = new PinterestContractServer("549756359984", "pina_four", "conv_four")) {
            Map<String, Destination> destinations = new LinkedHashMap<>();
            destinations.put("meta", new MetaDestination(MetaConfig.of("act_1234567890", "555000111", "EAAB-four")
                    .withBaseUrl(meta.baseUrl()), Mode.LIVE, transport, new RequestLog(), clock));
            destinations.put("google", new GoogleDestination(GoogleConfig.of("1234567890").withBaseUrl(google.baseUrl())
                    .withCustomerMatchTermsAccepted(true), AccessTokenProvider.fixed("ya29.four"), Mode.LIVE, transport,
                    new RequestLog(), clock));
            destinations.put("tiktok", new TikTokDestination(TikTokConfig.of("7000111", "CPIXEL0001", "tt-four")
                    .withBaseUrl(tiktok.baseUrl()), Mode.LIVE, transport, new RequestLog(), clock));
            destinations.put("pinterest", new PinterestDestination(PinterestConfig.of("549756359984", "pina_four", "conv_four")
                    .withBaseUrl(pinterest.baseUrl()), Mode.LIVE, transport, new RequestLog(), clock));
            Map<String, PlatformContractServer> platforms = Map.of("meta", meta, "google", google, "tiktok", tiktok,
                    "pinterest", pinterest);

            // TikTok and Pinterest create a list only from an upload: seeded with shopper 0, who joins and leaves.
            List<Member> seed = List.of(new Member("seed", Contact.ofEmail("Shopper0@Example.com"), AdConsent.UNSTATED));
            Map<String, AudienceRef> audiences = new LinkedHashMap<>();
            ListSync sync = new ListSync(a, deliveries, new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), new SplittableRandom(5)),
                    clock, SyncWorker.DEFAULT_BATCH);
            try (DeliveryEngine engine = new DeliveryEngine(Duration.ofMillis(50), Backoff.DEFAULT)) {
                for (Map.Entry<String, Destination> d : destinations.entrySet()) {
                    AudienceRef audience = d.getValue().createAudience("Cart abandoners", seed).audience();
                    assertThat(audience).as(d.getKey()).isNotNull();
                    audiences.put(d.getKey(), audience);
                    deliveries.pair(storeId, "four-" + d.getKey(), segment.id(), audience);
                    engine.start(sync.worker("four-" + d.getKey(), d.getValue()));
                }

                // The engine follows the change log while it grows.
                post(created.store().writeKey(), joins());
                await("everyone joined", () -> a.reader().size(storeId, segment.id()) == MEMBERS);
                post(created.store().writeKey(), purchases());
                await("buyers left", () -> a.reader().size(storeId, segment.id()) == MEMBERS - LEAVING);

                Set<String> expected = new HashSet<>();
                for (int i = LEAVING; i < MEMBERS; i++) {
                    expected.add(hashOf(i));
                }
                assertThat(uploadable(storeId, segment.id())).isEqualTo(expected);
                long last = lastSequence(storeId, segment.id());
                for (String p : destinations.keySet()) {
                    String list = audiences.get(p).id();
                    await(p + "'s list", () -> platforms.get(p).members(list).equals(expected));
                    await(p + "'s cursor at the end of the log", () -> deliveries.pairings("four-" + p).getFirst().cursor() == last);
                }
                for (String p : destinations.keySet()) {
                    assertThat(platforms.get(p).members(audiences.get(p).id())).as(p).isEqualTo(expected);
                    assertThat(platforms.get(p).violations()).as(p).isEmpty();
                    assertThat(deliveries.deadLetters("four-" + p, 10)).as(p).isEmpty();
                }
            }
        }
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

    private static void post(String writeKey, List<String> events) throws Exception {
        for (int i = 0; i < events.size(); i += 200) {
            String body = "{\"batch\":[" + String.join(",", events.subList(i, Math.min(events.size(), i + 200))) + "]}";
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json").header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            (writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    /** The segment's uploadable members as the platforms must hold them: their email hashes, read through the port. */
    private static Set<String> uploadable(String storeId, String segmentId) {
        Set<String> hashes = new HashSet<>();
        String after = null;
        while (true) {
            List<AudienceReader.Member> page = server.audiencesPort().reader().members(storeId, segmentId, after, 1_000);
            if (page.isEmpty()) {
                return hashes;
            }
            for (AudienceReader.Member m : page) {
                hashes.addAll(server.audiencesPort().reader().ids(storeId, m.personId()).emailHashes());
                after = m.personId();
            }
        }
    }

    private static long lastSequence(String storeId, String segmentId) {
        long after = 0;
        while (true) {
            List<LoggedChange> page = server.audiencesPort().reader().changes(storeId, segmentId, after, 5_000);
            if (page.isEmpty()) {
                return after;
            }
            after = page.getLast().sequence();
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
