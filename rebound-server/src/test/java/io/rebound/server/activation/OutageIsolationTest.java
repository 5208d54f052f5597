package io.rebound.server.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.activation.Contact;
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
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outage isolation: Pinterest answers 503 to every request for a long stretch while shoppers join in waves;
 * Meta, Google and TikTok take every wave as they would with Pinterest up (each wave's latency, from the
 * segment holding it to the platform's list holding it, is printed next to the baseline wave before the
 * outage), while Pinterest's list holds none of it. On recovery Pinterest catches up with nothing lost.
 */
class OutageIsolationTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final int MEMBERS = 4_000;

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static JdbcDeliveryRepository deliveries;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
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
    void oneDestinationDownForALongStretchDelaysNoOtherAndCatchesUpWithNothingLost() throws Exception {
        StoreRepository.Created created = server.stores().create("outage isolation", false);
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
            List<Member> seed = List.of(new Member("seed", Contact.ofEmail("Seed@Example.com"), AdConsent.UNSTATED));
            Map<String, AudienceRef> audiences = new LinkedHashMap<>();
            // The workers' own backoff: 1 s to 5 min, as in production.
            ListSync sync = new ListSync(a, deliveries, Backoff.DEFAULT, clock, SyncWorker.DEFAULT_BATCH);
            Map<String, SyncWorker> workers = new LinkedHashMap<>();
            try (DeliveryEngine engine = new DeliveryEngine(Duration.ofMillis(50), Backoff.DEFAULT)) {
                for (Map.Entry<String, Destination> d : destinations.entrySet()) {
                    AudienceRef audience = d.getValue().createAudience("Cart abandoners", seed).audience();
                    audiences.put(d.getKey(), audience);
                    deliveries.pair(storeId, "iso-" + d.getKey(), segment.id(), audience);
                    SyncWorker w = sync.worker("iso-" + d.getKey(), d.getValue());
                    workers.put(d.getKey(), w);
                    engine.start(w);
                }
                Set<String> expected = new HashSet<>(Set.of(sha256("seed@example.com")));
                List<String> up = List.of("meta", "google", "tiktok");
                int wave = 1_000;
                for (int w = 0; w < 4; w++) {
                    if (w == 1) {
                        pinterest.outage(503);
                    }
                    int from = w * wave;
                    post(created.store().writeKey(), joins().subList(from, from + wave));
                    await("wave " + w + " joined", () -> a.reader().size(storeId, segment.id()) == from + wave);
                    long joined = System.nanoTime();
                    for (int i = from; i < from + wave; i++) {
                        expected.add(hashOf(i));
                    }
                    StringBuilder line = new StringBuilder("wave " + w + (w == 0 ? " (all up)" : " (Pinterest down)") + ":");
                    for (String p : up) {
                        await(p + " wave " + w, () -> platforms.get(p).members(audiences.get(p).id()).equals(expected));
                        line.append(String.format(" %s %d ms", p, (System.nanoTime() - joined) / 1_000_000));
                    }
                    System.out.println(line);
                    if (w > 0) {
                        assertThat(pinterest.members(audiences.get("pinterest").id())).as("Pinterest is down")
                                .doesNotContain(hashOf(from));
                    }
                }
                assertThat(pinterest.refusedInOutage()).as("Pinterest was asked again and again").isPositive();
                assertThat(workers.get("pinterest").stats().retries()).isPositive();
                for (String p : up) {
                    assertThat(workers.get(p).stats().retries()).as(p + " never waited").isZero();
                }

                pinterest.recover();
                await("Pinterest catches up", () -> pinterest.members(audiences.get("pinterest").id()).equals(expected));
                for (String p : destinations.keySet()) {
                    assertThat(platforms.get(p).members(audiences.get(p).id())).as(p).isEqualTo(expected);
                    assertThat(platforms.get(p).violations()).as(p).isEmpty();
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
