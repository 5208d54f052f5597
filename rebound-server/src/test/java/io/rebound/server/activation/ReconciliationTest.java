package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Transport;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.Received;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.Reconciliation;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.destinations.pinterest.PinterestConfig;
import io.rebound.destinations.pinterest.PinterestDestination;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Periodic full reconciliation end to end on real components: an embedded {@link ReboundServer} (collector,
 * audience engine, H2), the delivery engine's workers with their {@link io.rebound.destinations.delivery.Reconciler},
 * and the platforms' contract servers, whose lists are made to drift behind Rebound's back.
 */
class ReconciliationTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final String TOKEN = "EAAB-meta-token";
    private static final Duration INTERVAL = Duration.ofHours(1);

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static JdbcDeliveryRepository deliveries;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));
    /** The workers' clock: real time plus what a test advances it by, so a reconciliation falls due. */
    private final AdvancingClock clock = new AdvancingClock();
    private ListSync sync;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        deliveries = new JdbcDeliveryRepository(server.database().dataSource(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closed(T c) {
        closing.add(c);
        return c;
    }

    private ListSync sync() {
        if (sync == null) {
            sync = new ListSync(server.audiencesPort(), deliveries, new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1),
                    new SplittableRandom(7)), clock, SyncWorker.DEFAULT_BATCH).withReconcileInterval(INTERVAL);
        }
        return sync;
    }

    private static final class AdvancingClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        void advance(Duration d) {
            ahead = ahead.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }
    }

    // ---- the shop (as ListSyncTest) ----

    private record Shop(String storeId, String writeKey, String segmentId) {
    }

    private static String email(int i) {
        return "Shopper" + i + "@Example.com";
    }

    private static String hashOf(int i) {
        return sha256("shopper" + i + "@example.com");
    }

    private static Set<String> hashes(int from, int to) {
        Set<String> out = new HashSet<>();
        for (int i = from; i < to; i++) {
            out.add(hashOf(i));
        }
        return out;
    }

    private Shop shop(String name) throws Exception {
        StoreRepository.Created created = server.stores().create(name, false);
        String storeId = created.store().id();
        Audiences a = server.audiencesPort();
        SegmentRecord s = a.createSegment(storeId, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE),
                "cart_abandoners");
        await("segment ready", () -> a.segment(storeId, s.id()).orElseThrow().status() == SegmentRecord.Status.READY);
        return new Shop(storeId, created.store().writeKey(), s.id());
    }

    private static final Instant T = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

    /** Shoppers {@code 0..members-1} add to cart, then {@code 0..leaving-1} buy and leave; {@code anonymous} visitors too. */
    private void joinThenLeave(Shop shop, int members, int anonymous, int leaving) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"%3$s"}}"""
                    .formatted(i, T, email(i)));
        }
        for (int i = 0; i < anonymous; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"anon-add-%1$d","anonymousId":"anon%1$d","timestamp":"%2$s","properties":{"product_id":"mat"}}"""
                    .formatted(i, T));
        }
        post(shop, events);
        await("everyone joined", () -> size(shop) == members + anonymous);
        List<String> buys = new ArrayList<>();
        for (int i = 0; i < leaving; i++) {
            buys.add("""
                    {"type":"track","event":"Order Completed","messageId":"buy-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"order_id":"o-%1$d","total":40,"currency":"USD","products":[{"product_id":"mat","price":40,"quantity":1}]}}"""
                    .formatted(i, T.plusSeconds(60)));
        }
        post(shop, buys);
        await("buyers left", () -> size(shop) == members + anonymous - leaving);
    }

    private void post(Shop shop, List<String> events) throws Exception {
        for (int i = 0; i < events.size(); i += 100) {
            String body = "{\"batch\":[" + String.join(",", events.subList(i, Math.min(events.size(), i + 100))) + "]}";
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            (shop.writeKey() + ":").getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    private long size(Shop shop) {
        return server.audiencesPort().reader().size(shop.storeId(), shop.segmentId());
    }

    /** The segment's uploadable members as the platforms must hold them: their email hashes, read through the port. */
    private Set<String> uploadableMembers(Shop shop) {
        Set<String> hashes = new HashSet<>();
        String after = null;
        while (true) {
            List<AudienceReader.Member> page = server.audiencesPort().reader().members(shop.storeId(), shop.segmentId(), after, 500);
            if (page.isEmpty()) {
                return hashes;
            }
            for (AudienceReader.Member m : page) {
                hashes.addAll(server.audiencesPort().reader().ids(shop.storeId(), m.personId()).emailHashes());
                after = m.personId();
            }
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(25);
        }
    }

    // ---- the platforms ----

    private MetaContractServer meta() {
        return closed(new MetaContractServer(TOKEN, "1234567890", "555000111", Clock.systemUTC(), 60_000));
    }

    private MetaDestination metaDestination(MetaContractServer platform, Mode mode, Transport via) {
        return new MetaDestination(MetaConfig.of("act_1234567890", "555000111", TOKEN).withBaseUrl(platform.baseUrl()),
                mode, via, new RequestLog(1_000), Clock.systemUTC());
    }

    private static List<Received> replaces(MetaContractServer platform) {
        return platform.received().stream().filter(r -> r.path().endsWith("/usersreplace")).toList();
    }

    /** A Meta list synced with the segment: 1,000 uploadable members (two replace batches under the 60 KB cap). */
    private record MetaSetup(Shop shop, MetaContractServer platform, AudienceRef audience, Pairing pairing) {
    }

    private MetaSetup syncedMeta(String name) throws Exception {
        Shop shop = shop(name);
        joinThenLeave(shop, 1_200, 20, 200);
        MetaContractServer platform = meta();
        AudienceRef audience = metaDestination(platform, Mode.LIVE, transport).linkAudience(platform.createExisting());
        Pairing pairing = deliveries.pair(shop.storeId(), name, shop.segmentId(), audience);
        assertThat(sync().worker(name, metaDestination(platform, Mode.LIVE, transport)).syncOnce().caughtUp()).isTrue();
        assertThat(platform.members(audience.id())).isEqualTo(hashes(200, 1_200)).isEqualTo(uploadableMembers(shop));
        return new MetaSetup(shop, platform, audience, pairing);
    }

    /** Drift behind Rebound's back: a stranger appears in the list and member 500 vanishes from it. */
    private static Set<String> drift(MetaContractServer platform, AudienceRef audience) {
        platform.drift(audience.id(), Set.of(sha256("stranger@example.com")), Set.of(hashOf(500)));
        Set<String> drifted = hashes(200, 1_200);
        drifted.remove(hashOf(500));
        drifted.add(sha256("stranger@example.com"));
        assertThat(platform.members(audience.id())).isEqualTo(drifted);
        return drifted;
    }

    // ---- the tests ----

    @Test
    void driftOnMetaIsRepairedByAReplaceOnceTheIntervalIsUpAndTheListEqualsTheUploadableMembersExactly() throws Exception {
        MetaSetup m = syncedMeta("reconcile-meta");
        SyncWorker worker = sync().worker("reconcile-meta", metaDestination(m.platform(), Mode.LIVE, transport));
        Set<String> drifted = drift(m.platform(), m.audience());

        // Not due yet: an interval counts from the pairing.
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(replaces(m.platform())).isEmpty();
        assertThat(m.platform().members(m.audience().id())).isEqualTo(drifted);

        clock.advance(INTERVAL.plusMinutes(1));
        assertThat(worker.syncOnce().caughtUp()).isTrue();

        assertThat(m.platform().members(m.audience().id())).isEqualTo(uploadableMembers(m.shop())).isEqualTo(hashes(200, 1_200));
        List<Received> batches = replaces(m.platform());
        assertThat(batches).hasSizeGreaterThan(1);
        assertThat(batches.stream().map(r -> r.json().path("session").path("session_id").asLong()).distinct()).hasSize(1);
        assertThat(batches.getLast().json().path("session").path("last_batch_flag").asBoolean()).isTrue();
        assertThat(m.platform().violations()).isEmpty();
        Reconciliation r = deliveries.reconciliation(m.pairing()).orElseThrow();
        assertThat(r.method()).isEqualTo(Reconciliation.REPLACE);
        assertThat(r.members()).as("uploadable members; the anonymous are not").isEqualTo(1_000);
        assertThat(r.error()).isNull();
        assertThat(worker.stats().lastReconciliation()).isEqualTo(r);
        assertThat(deliveries.uploadedCount(m.pairing())).isEqualTo(1_000);

        // Committed: neither this worker nor a restarted one reconciles again before the next interval.
        int sent = m.platform().received().size();
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(sync().worker("reconcile-meta", metaDestination(m.platform(), Mode.LIVE, transport)).syncOnce().caughtUp())
                .isTrue();
        assertThat(m.platform().received()).hasSize(sent);
    }

    @Test
    void aReconciliationKilledBetweenBatchesLeavesMetasListAsItWasAndTheNextRunCompletesIt() throws Exception {
        MetaSetup m = syncedMeta("reconcile-killed");
        Set<String> drifted = drift(m.platform(), m.audience());
        clock.advance(INTERVAL.plusMinutes(1));

        // The process dies after the replace session's first batch went out.
        int[] replaceBatches = {0};
        Transport dying = request -> {
            if (request.uri().getPath().endsWith("/usersreplace") && replaceBatches[0]++ == 1) {
                throw new IllegalStateException("killed between batches");
            }
            return transport.send(request);
        };
        SyncWorker doomed = sync().worker("reconcile-killed", metaDestination(m.platform(), Mode.LIVE, dying));
        assertThatThrownBy(doomed::syncOnce).hasMessageContaining("killed");
        assertThat(replaces(m.platform())).hasSize(1);
        assertThat(m.platform().members(m.audience().id())).as("an unfinished session changes nothing").isEqualTo(drifted);
        assertThat(m.platform().openReplaceSessions(m.audience().id())).isEqualTo(1);
        assertThat(deliveries.reconciliation(m.pairing())).as("nothing committed").isEmpty();

        // The restarted worker finds the reconciliation still due and completes it in a new session.
        SyncWorker restarted = sync().worker("reconcile-killed", metaDestination(m.platform(), Mode.LIVE, transport));
        assertThat(restarted.syncOnce().caughtUp()).isTrue();
        assertThat(m.platform().members(m.audience().id())).isEqualTo(uploadableMembers(m.shop())).isEqualTo(hashes(200, 1_200));
        assertThat(m.platform().openReplaceSessions(m.audience().id())).isZero();
        assertThat(replaces(m.platform()).stream().map(r -> r.json().path("session").path("session_id").asLong()).distinct())
                .hasSize(2);
        assertThat(deliveries.reconciliation(m.pairing())).isPresent();
        assertThat(m.platform().violations()).isEmpty();
    }

    @Test
    void aReplaceMetaAsksToRetryBacksOffCommitsNothingAndCompletesOnTheNextPass() throws Exception {
        MetaSetup m = syncedMeta("reconcile-retry");
        Set<String> drifted = drift(m.platform(), m.audience());
        clock.advance(INTERVAL.plusMinutes(1));
        m.platform().inject(new io.rebound.destinations.contract.Fault.ServerError(503));
        SyncWorker worker = sync().worker("reconcile-retry", metaDestination(m.platform(), Mode.LIVE, transport));

        SyncWorker.Pass pass = worker.syncOnce();
        assertThat(pass.caughtUp()).isFalse();
        assertThat(pass.retryAfter()).isPositive();
        assertThat(worker.stats().retries()).isEqualTo(1);
        assertThat(m.platform().members(m.audience().id())).isEqualTo(drifted);
        assertThat(deliveries.reconciliation(m.pairing())).isEmpty();

        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(m.platform().members(m.audience().id())).isEqualTo(hashes(200, 1_200));
        assertThat(deliveries.reconciliation(m.pairing())).isPresent();
        assertThat(m.platform().violations()).isEmpty();
    }

    @Test
    void dryRunRecordsTheReplaceRequestsAndSendsNothing() throws Exception {
        MetaSetup m = syncedMeta("reconcile-dry");
        drift(m.platform(), m.audience());
        int sent = m.platform().received().size();
        clock.advance(INTERVAL.plusMinutes(1));

        MetaDestination dry = metaDestination(m.platform(), Mode.DRY_RUN, transport);
        assertThat(sync().worker("reconcile-dry", dry).syncOnce().caughtUp()).isTrue();

        assertThat(m.platform().received()).as("dry-run sends nothing").hasSize(sent);
        List<RecordedRequest> recorded = dry.requests().all();
        assertThat(recorded).hasSizeGreaterThan(1).allSatisfy(q -> {
            assertThat(q.mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(q.request().method()).isEqualTo("POST");
            assertThat(q.request().uri().getPath()).endsWith("/" + m.audience().id() + "/usersreplace");
            assertThat(q.request().uri().toString()).doesNotContain(TOKEN);
        });
        assertThat(new String(recorded.getFirst().request().body(), StandardCharsets.UTF_8))
                .contains("\"batch_seq\":1").contains("\"last_batch_flag\":false").contains(hashOf(200));
        assertThat(deliveries.reconciliation(m.pairing()).orElseThrow().method()).isEqualTo(Reconciliation.REPLACE);
    }

    @Test
    void onPinterestADiffReAddsAMemberTheListLostAndRemovesOneRebounduploadedWhoIsNoLongerAMember() throws Exception {
        Shop shop = shop("reconcile-pin");
        joinThenLeave(shop, 300, 5, 100);
        Set<String> expected = hashes(100, 300);
        PinterestContractServer platform = closed(new PinterestContractServer("549756359984", "pina_api", "conv_token"));
        PinterestDestination pinterest = new PinterestDestination(PinterestConfig.of("549756359984", "pina_api", "conv_token")
                .withBaseUrl(platform.baseUrl()), Mode.LIVE, transport, new RequestLog(), Clock.systemUTC());
        AudienceRef list = pinterest.linkAudience(platform.createExisting());
        Pairing pairing = deliveries.pair(shop.storeId(), "reconcile-pin", shop.segmentId(), list);
        SyncWorker worker = sync().worker("reconcile-pin", pinterest);
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(platform.members(list.id())).isEqualTo(expected);
        assertThat(pinterest.supportsReplace()).isFalse();

        // Drift: the platform lost member 150's addition; a stranger was added by hand; and Rebound's record
        // holds a ghost that is no longer a member (its removal never went out), still in the list.
        String ghost = sha256("ghost@example.com");
        deliveries.commit(pairing.withCursor(0), 0, List.of(), Map.of("e:" + ghost, Contact.ofEmail(ghost)), Set.of());
        String stranger = sha256("stranger@example.com");
        platform.drift(list.id(), Set.of(stranger, ghost), Set.of(hashOf(150)));

        clock.advance(INTERVAL.plusMinutes(1));
        assertThat(worker.syncOnce().caughtUp()).isTrue();

        Set<String> repaired = new HashSet<>(expected);
        repaired.add(stranger);
        assertThat(platform.members(list.id()))
                .as("member 150 is back, the ghost is gone; the stranger stays: a diff sees only what Rebound uploaded")
                .isEqualTo(repaired);
        Reconciliation r = deliveries.reconciliation(pairing).orElseThrow();
        assertThat(r.method()).isEqualTo(Reconciliation.DIFF);
        assertThat(r.members()).isEqualTo(200);
        assertThat(r.removed()).isEqualTo(1);
        assertThat(r.added()).as("by Rebound's record member 150 was uploaded all along").isZero();
        assertThat(deliveries.uploaded(pairing, List.of("e:" + ghost))).isEmpty();
        assertThat(deliveries.uploadedCount(pairing)).isEqualTo(200);
        assertThat(platform.violations()).isEmpty();
    }
}
