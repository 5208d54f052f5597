package io.rebound.server.activation;

import io.rebound.core.activation.Forwarding;
import io.rebound.core.activation.Platform;
import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Holdout;
import io.rebound.core.campaign.Touch;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.delivery.Worker;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.PlatformContractServer;
import io.rebound.destinations.contract.Received;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.campaign.CampaignHoldouts;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A campaign's holdout on the ad platforms, end to end: shoppers join a segment through the collector,
 * the segment is synced to two Meta destinations (contract servers), and a campaign with a 10 % holdout
 * lists one of them in its ads channel. That one never receives a holdout member's hash, neither on the
 * customer list nor in a membership event; the rest all arrive; the other destination gets everyone.
 * Raising the share removes the persons newly held out from the list; deleting the campaign brings
 * everyone back.
 */
class CampaignHoldoutSyncTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final String TOKEN = "EAAB-holdout-token";
    private static final String PIXEL = "555000111";
    private static final int SHOPPERS = 1_000;
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final Instant T = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

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

    @Test
    void noHoldoutMemberEverReachesTheCampaignsAdDestinationAndAGrownHoldoutLeavesItsList() throws Exception {
        try (MetaContractServer withCampaign = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000);
             MetaContractServer without = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000)) {
            StoreRepository.Created created = server.stores().create("Holdout shop", false);
            String storeId = created.store().id();
            Audiences a = server.audiencesPort();
            SegmentRecord segment = a.createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            await(() -> a.segment(storeId, segment.id()).orElseThrow().status() == SegmentRecord.Status.READY);
            join(created.store().writeKey(), SHOPPERS);
            await(() -> a.reader().size(storeId, segment.id()) == SHOPPERS);
            Map<String, String> hashByPerson = hashByPerson(storeId, segment.id());
            assertThat(hashByPerson).hasSize(SHOPPERS);

            // Connected after the joins, so no store event is forwarded: what arrives is the list and the joins.
            JdbcDestinations.Record listed = meta(storeId, withCampaign);
            JdbcDestinations.Record other = meta(storeId, without);
            JdbcCampaigns campaigns = new JdbcCampaigns(server.database().dataSource(), Clock.systemUTC());
            CampaignRecord campaign = campaigns.create(storeId, campaign(segment.id(), List.of(listed.id()), 1_000));
            assertThat(server.activation().pair(listed, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            assertThat(server.activation().pair(other, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            String listId = server.activation().pairings(listed.id()).getFirst().audience().id();
            String otherListId = server.activation().pairings(other.id()).getFirst().audience().id();

            Set<String> held = held(hashByPerson, campaign.id(), 1_000);
            Set<String> treated = new HashSet<>(hashByPerson.values());
            treated.removeAll(held);
            assertThat(held.size()).as("the 10 %% holdout's share of %d members", SHOPPERS).isBetween(60, 140);

            String eventName = Forwarding.membershipEventName(segment.definition().name());
            await(() -> withCampaign.members(listId).equals(treated));
            await(() -> without.members(otherListId).equals(new HashSet<>(hashByPerson.values())));
            await(() -> joins(withCampaign, eventName) == treated.size());
            await(() -> joins(without, eventName) == SHOPPERS);
            Thread.sleep(500); // a late upload of a holdout member would show now
            assertThat(withCampaign.members(listId)).isEqualTo(treated);
            assertThat(joins(withCampaign, eventName)).isEqualTo(treated.size());
            assertThat(bodiesContaining(withCampaign, held)).as("requests carrying a holdout member's hash").isEmpty();
            assertThat(bodiesContaining(withCampaign, treated)).isNotEmpty();
            assertThat(withCampaign.violations()).isEmpty();

            // 20 %: the reconciliation runs at once and the persons newly held out leave the list.
            campaigns.update(storeId, campaign.id(), campaign(segment.id(), List.of(listed.id()), 2_000)).orElseThrow();
            Set<String> held20 = held(hashByPerson, campaign.id(), 2_000);
            assertThat(held20).containsAll(held);
            Set<String> treated20 = new HashSet<>(hashByPerson.values());
            treated20.removeAll(held20);
            await(() -> withCampaign.members(listId).equals(treated20));

            // No campaign lists the destination any more: everyone is on its list again.
            assertThat(campaigns.delete(storeId, campaign.id())).isTrue();
            await(() -> withCampaign.members(listId).equals(new HashSet<>(hashByPerson.values())));
            assertThat(withCampaign.violations()).isEmpty();
            assertThat(without.violations()).isEmpty();
            server.activation().disconnect(storeId, listed.id());
            server.activation().disconnect(storeId, other.id());
        }
    }

    @Test
    void aHoldoutGrownWhileNoWorkerRanLeavesTheListWhenTheNextWorkerStarts() throws Exception {
        try (MetaContractServer platform = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000)) {
            StoreRepository.Created created = server.stores().create("Restart shop", false);
            String storeId = created.store().id();
            Audiences a = server.audiencesPort();
            SegmentRecord segment = a.createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            await(() -> a.segment(storeId, segment.id()).orElseThrow().status() == SegmentRecord.Status.READY);
            join(created.store().writeKey(), 300);
            await(() -> a.reader().size(storeId, segment.id()) == 300);
            Map<String, String> hashByPerson = hashByPerson(storeId, segment.id());

            JdbcCampaigns campaigns = new JdbcCampaigns(server.database().dataSource(), Clock.systemUTC());
            CampaignRecord campaign = campaigns.create(storeId, campaign(segment.id(), List.of("meta-restart"), 1_000));
            MetaDestination meta = new MetaDestination(MetaConfig.of("act_1234567890", PIXEL, TOKEN)
                    .withBaseUrl(platform.baseUrl()), Mode.LIVE, new HttpTransport(Duration.ofSeconds(5),
                    Duration.ofSeconds(20)), new RequestLog(1_000), Clock.systemUTC());
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(server.database().dataSource(), Clock.systemUTC());
            AudienceRef list = meta.linkAudience(platform.createExisting());
            deliveries.pair(storeId, "meta-restart", segment.id(), list);

            // One worker syncs the list (a 10 % holdout withheld), then stops.
            caughtUp(sync(campaigns).worker("meta-restart", meta));
            assertThat(platform.members(list.id())).isEqualTo(treated(hashByPerson, campaign.id(), 1_000));

            // The share grows to 30 % while no worker runs; the next worker reconciles at once, not in 24 h.
            campaigns.update(storeId, campaign.id(), campaign(segment.id(), List.of("meta-restart"), 3_000)).orElseThrow();
            caughtUp(sync(campaigns).worker("meta-restart", meta));
            assertThat(platform.members(list.id())).isEqualTo(treated(hashByPerson, campaign.id(), 3_000));

            // Reconciled since the change: a third worker does not run it again.
            int requests = platform.received().size();
            caughtUp(sync(campaigns).worker("meta-restart", meta));
            assertThat(platform.received()).hasSize(requests);
            assertThat(platform.violations()).isEmpty();
        }
    }

    @Test
    void aPinterestListSeededAtItsCreationHoldsNoHoldoutMember() throws Exception {
        try (PinterestContractServer pinterest = new PinterestContractServer("549756359984", "pina_holdout", "conv_holdout")) {
            StoreRepository.Created created = server.stores().create("Seed shop", false);
            String storeId = created.store().id();
            Audiences a = server.audiencesPort();
            SegmentRecord segment = a.createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            await(() -> a.segment(storeId, segment.id()).orElseThrow().status() == SegmentRecord.Status.READY);
            join(created.store().writeKey(), 300);
            await(() -> a.reader().size(storeId, segment.id()) == 300);
            Map<String, String> hashByPerson = hashByPerson(storeId, segment.id());

            JdbcDestinations.Record d = server.activation().connect(storeId, "Pinterest", Mode.LIVE, pinterest.baseUrl(),
                    DestinationSettings.parse(Platform.PINTEREST, Map.of("ad_account_id", "549756359984",
                            "api_token", "pina_holdout")));
            JdbcCampaigns campaigns = new JdbcCampaigns(server.database().dataSource(), Clock.systemUTC());
            CampaignRecord campaign = campaigns.create(storeId, campaign(segment.id(), List.of(d.id()), 1_000));
            // The list is created from an upload of the segment's members (the seed), then the log is replayed.
            assertThat(server.activation().pair(d, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            String listId = server.activation().pairings(d.id()).getFirst().audience().id();
            Set<String> held = held(hashByPerson, campaign.id(), 1_000);
            Set<String> treated = treated(hashByPerson, campaign.id(), 1_000);
            assertThat(held).isNotEmpty();
            await(() -> pinterest.members(listId).equals(treated));
            String seed = pinterest.received().stream()
                    .filter(r -> r.method().equals("POST") && r.path().endsWith("/customer_lists"))
                    .map(r -> new String(r.body(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
            assertThat(treated.stream().filter(seed::contains).count()).as("the seed: the treated members")
                    .isEqualTo(treated.size());
            assertThat(held.stream().filter(seed::contains)).as("the seed: no holdout member").isEmpty();
            assertThat(bodiesContaining(pinterest, held)).as("requests carrying a holdout member's hash").isEmpty();
            assertThat(pinterest.violations()).isEmpty();
            server.activation().disconnect(storeId, d.id());
        }
    }

    /** A list sync over the server's stores whose holdouts are read afresh (no cache shared with another worker). */
    private static ListSync sync(JdbcCampaigns campaigns) {
        return new ListSync(server.audiencesPort(), new JdbcDeliveryRepository(server.database().dataSource(), Clock.systemUTC()),
                Backoff.DEFAULT, Clock.systemUTC(), SyncWorker.DEFAULT_BATCH).withWithholding(
                new CampaignHoldouts(campaigns, Clock.systemUTC())::forDestination);
    }

    private static void caughtUp(SyncWorker worker) {
        for (int i = 0; i < 20; i++) {
            Worker.Pass pass = worker.syncOnce();
            assertThat(pass.retryAfter()).isNull();
            if (pass.batches() == 0) {
                return;
            }
        }
        throw new AssertionError("the worker did not catch up");
    }

    private static Set<String> treated(Map<String, String> hashByPerson, String campaignId, int basisPoints) {
        Set<String> out = new HashSet<>(hashByPerson.values());
        out.removeAll(held(hashByPerson, campaignId, basisPoints));
        return out;
    }

    private static CampaignDefinition campaign(String segmentId, List<String> ads, int holdoutBasisPoints) {
        return new CampaignDefinition("Yoga mat reminder", segmentId, new Channels(ads, false, true, List.of()),
                List.of(new Touch(Duration.ZERO, new Creative(List.of(), true, "Still thinking about it?"), null)), 3,
                holdoutBasisPoints);
    }

    private static JdbcDestinations.Record meta(String storeId, MetaContractServer platform) {
        return server.activation().connect(storeId, "Meta", Mode.LIVE, platform.baseUrl(),
                DestinationSettings.parse(Platform.META, Map.of("ad_account_id", "1234567890", "pixel_id", PIXEL,
                        "access_token", TOKEN)));
    }

    private static Set<String> held(Map<String, String> hashByPerson, String campaignId, int basisPoints) {
        Set<String> out = new HashSet<>();
        hashByPerson.forEach((person, hash) -> {
            if (Holdout.isHeldOut(campaignId, person, basisPoints)) {
                out.add(hash);
            }
        });
        return out;
    }

    private static long joins(MetaContractServer platform, String eventName) {
        return platform.events().stream().filter(e -> e.path("event_name").asText().equals(eventName)).count();
    }

    /** The requests whose body holds any of the hashes. */
    private static List<String> bodiesContaining(PlatformContractServer platform, Set<String> hashes) {
        List<String> out = new ArrayList<>();
        for (Received r : platform.received()) {
            String body = r.body() == null ? "" : new String(r.body(), StandardCharsets.UTF_8);
            if (hashes.stream().anyMatch(body::contains)) {
                out.add(r.method() + " " + r.path());
            }
        }
        return out;
    }

    /** Each member's email hash, by person id, read through the port. */
    private static Map<String, String> hashByPerson(String storeId, String segmentId) {
        Map<String, String> out = new LinkedHashMap<>();
        String after = null;
        while (true) {
            List<AudienceReader.Member> page = server.audiencesPort().reader().members(storeId, segmentId, after, 500);
            if (page.isEmpty()) {
                return out;
            }
            for (AudienceReader.Member m : page) {
                server.audiencesPort().reader().ids(storeId, m.personId()).emailHashes()
                        .forEach(h -> out.put(m.personId(), h));
                after = m.personId();
            }
        }
    }

    private static void join(String writeKey, int shoppers) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < shoppers; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"Shopper%1$d@Example.com"}}"""
                    .formatted(i, T));
        }
        for (int i = 0; i < events.size(); i += 100) {
            String body = "{\"batch\":[" + String.join(",", events.subList(i, Math.min(events.size(), i + 100))) + "]}";
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            (writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(50);
        }
    }
}
