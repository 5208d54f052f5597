package io.rebound.server.activation;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.Destination;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.Received;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.DeliveryEngine;
import io.rebound.destinations.delivery.DeliveryRepository;
import io.rebound.destinations.delivery.Pairing;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Customer-list sync end to end on real components: an embedded {@link ReboundServer} takes shoppers'
 * events through its collector, its audience engine writes the membership change log, and the delivery
 * engine syncs the segment to the platforms' contract servers (rebound-destinations' test-jar), with
 * cursors and dead letters in the server's metadata database.
 */
class ListSyncTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final String TOKEN = "EAAB-meta-token";

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static JdbcDeliveryRepository deliveries;
    private static ListSync sync;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        deliveries = new JdbcDeliveryRepository(server.database().dataSource(), Clock.systemUTC());
        sync = new ListSync(server.audiencesPort(), deliveries,
                new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), new SplittableRandom(7)), Clock.systemUTC(),
                SyncWorker.DEFAULT_BATCH);
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

    // ---- the shop ----

    private record Shop(String storeId, String writeKey, String segmentId) {
    }

    private static String email(int i) {
        return "Shopper" + i + "@Example.com";
    }

    /** The hash platforms get for shopper {@code i}: SHA-256 of the normalised address, written out. */
    private static String hashOf(int i) {
        return sha256("shopper" + i + "@example.com");
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

    /** Shoppers {@code from..to-1} add to cart with their email; anonymous visitors {@code anon…} without one. */
    private void join(Shop shop, int from, int to, int anonymous) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"add-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","email":"%3$s"}}"""
                    .formatted(i, T, email(i)));
        }
        for (int i = 0; i < anonymous; i++) {
            events.add("""
                    {"type":"track","event":"Product Added","messageId":"anon-add-%1$d-%2$d","anonymousId":"anon%1$d-%2$d","timestamp":"%3$s","properties":{"product_id":"mat"}}"""
                    .formatted(from, i, T));
        }
        post(shop, events);
    }

    /** Shoppers {@code from..to-1} buy: they leave the abandoners. */
    private void buy(Shop shop, int from, int to) throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Order Completed","messageId":"buy-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"order_id":"o-%1$d","total":40,"currency":"USD","products":[{"product_id":"mat","price":40,"quantity":1}]}}"""
                    .formatted(i, T.plusSeconds(60)));
        }
        post(shop, events);
    }

    private void post(Shop shop, List<String> events) throws Exception {
        for (int i = 0; i < events.size(); i += 100) {
            String body = "{\"batch\":[" + String.join(",", events.subList(i, Math.min(events.size(), i + 100))) + "]}";
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json").header("User-Agent", BROWSER)
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

    /** Joins then leaves, each settled in the change log before the next. */
    private void joinThenLeave(Shop shop, int members, int anonymous, int leaving) throws Exception {
        join(shop, 0, members, anonymous);
        await("everyone joined", () -> size(shop) == members + anonymous);
        buy(shop, 0, leaving);
        await("buyers left", () -> size(shop) == members + anonymous - leaving);
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

    private static Set<String> hashes(int from, int to) {
        Set<String> out = new HashSet<>();
        for (int i = from; i < to; i++) {
            out.add(hashOf(i));
        }
        return out;
    }

    private long lastSequence(Shop shop) {
        List<LoggedChange> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<LoggedChange> page = server.audiencesPort().reader().changes(shop.storeId(), shop.segmentId(), after, 1000);
            if (page.isEmpty()) {
                return all.isEmpty() ? 0 : all.getLast().sequence();
            }
            all.addAll(page);
            after = page.getLast().sequence();
        }
    }

    private static long cursor(String destinationId, Shop shop) throws Exception {
        try (Connection c = server.database().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT cursor_seq FROM destination_pairings WHERE destination_id = ? AND store_id = ? AND segment_id = ?")) {
            ps.setString(1, destinationId);
            ps.setString(2, shop.storeId());
            ps.setString(3, shop.segmentId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
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

    private MetaDestination metaDestination(MetaContractServer platform, Mode mode) {
        return new MetaDestination(MetaConfig.of("act_1234567890", "555000111", TOKEN).withBaseUrl(platform.baseUrl()),
                mode, transport, new RequestLog(1_000), Clock.systemUTC());
    }

    private static List<Received> uploads(MetaContractServer platform) {
        return platform.received().stream().filter(r -> r.path().endsWith("/users")).toList();
    }

    private DeliveryEngine engine() {
        return closed(new DeliveryEngine(Duration.ofMillis(50), new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1),
                new SplittableRandom(3))));
    }

    // ---- the tests ----

    @Test
    void aThousandJoinAndThreeHundredLeaveAndThePlatformListEqualsTheUploadableMembers() throws Exception {
        Shop shop = shop("sync-exact");
        MetaContractServer platform = meta();
        MetaDestination meta = metaDestination(platform, Mode.LIVE);
        AudienceRef audience = meta.createAudience("Cart abandoners", List.of()).audience();
        deliveries.pair(shop.storeId(), "meta-exact", shop.segmentId(), audience);
        SyncWorker worker = sync.worker("meta-exact", meta);
        engine().start(worker);

        // The engine runs while shoppers join and then leave: it follows the change log as it grows.
        joinThenLeave(shop, 1_000, 50, 300);
        Set<String> expected = hashes(300, 1_000);
        assertThat(uploadableMembers(shop)).isEqualTo(expected);
        await("the platform list", () -> platform.members(audience.id()).equals(expected));
        await("the cursor at the end of the log", () -> {
            try {
                return cursor("meta-exact", shop) == lastSequence(shop);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(platform.members(audience.id())).isEqualTo(uploadableMembers(shop));
        assertThat(platform.violations()).isEmpty();
        assertThat(worker.stats().notUploadable()).as("anonymous visitors are counted, not sent").isEqualTo(50);
        assertThat(uploads(platform).stream().filter(r -> r.method().equals("DELETE"))).isNotEmpty();
        assertThat(deliveries.deadLetters("meta-exact", 10)).isEmpty();
    }

    @Test
    void aCrashBetweenSendAndCommitResendsAndTheListIsStillExact() throws Exception {
        Shop shop = shop("sync-crash");
        joinThenLeave(shop, 400, 10, 120);
        MetaContractServer platform = meta();
        MetaDestination meta = metaDestination(platform, Mode.LIVE);
        AudienceRef audience = meta.linkAudience(platform.createExisting());
        deliveries.pair(shop.storeId(), "meta-crash", shop.segmentId(), audience);

        // A worker whose process dies after the platform took the batch and before the cursor commit.
        DeliveryRepository dying = new DeliveryRepository() {
            @Override
            public List<Pairing> pairings(String destinationId) {
                return deliveries.pairings(destinationId);
            }

            @Override
            public java.util.Map<String, io.rebound.core.activation.Contact> uploaded(Pairing pairing,
                                                                                   java.util.Collection<String> personIds) {
                return deliveries.uploaded(pairing, personIds);
            }

            @Override
            public void commit(Pairing pairing, long cursor, List<DeadLetter> deadLetters,
                               java.util.Map<String, io.rebound.core.activation.Contact> added, java.util.Set<String> removed) {
                throw new IllegalStateException("killed before the commit");
            }
        };
        SyncWorker doomed = new SyncWorker("meta-crash", meta, new AudiencesChangeFeed(server.audiencesPort()),
                new AudiencesMemberSource(server.audiencesPort()), dying, Backoff.DEFAULT, Clock.systemUTC(), 5_000);
        assertThatThrownBy(doomed::syncOnce).hasMessageContaining("killed");
        int sentBeforeCrash = uploads(platform).size();
        assertThat(sentBeforeCrash).isPositive();
        assertThat(cursor("meta-crash", shop)).isZero();

        // The restarted worker starts from the committed cursor: it sends the batch again.
        SyncWorker restarted = sync.worker("meta-crash", metaDestination(platform, Mode.LIVE));
        assertThat(restarted.syncOnce().caughtUp()).isTrue();
        assertThat(uploads(platform).size()).isEqualTo(2 * sentBeforeCrash);
        assertThat(cursor("meta-crash", shop)).isEqualTo(lastSequence(shop));
        assertThat(platform.members(audience.id())).isEqualTo(hashes(120, 400)).isEqualTo(uploadableMembers(shop));
        assertThat(platform.violations()).isEmpty();
    }

    @Test
    void aThrottledDestinationDelaysOnlyItselfAndLosesNothing() throws Exception {
        Shop shop = shop("sync-outage");
        joinThenLeave(shop, 300, 0, 100);
        Set<String> expected = hashes(100, 300);

        MetaContractServer metaPlatform = meta();
        MetaDestination meta = metaDestination(metaPlatform, Mode.LIVE);
        AudienceRef metaList = meta.linkAudience(metaPlatform.createExisting());
        deliveries.pair(shop.storeId(), "meta-outage", shop.segmentId(), metaList);

        PinterestContractServer pinPlatform = closed(new PinterestContractServer("549756359984", "pina_api", "conv_token"));
        PinterestDestination pinterest = new PinterestDestination(PinterestConfig.of("549756359984", "pina_api", "conv_token")
                .withBaseUrl(pinPlatform.baseUrl()), Mode.LIVE, transport, new RequestLog(), Clock.systemUTC());
        AudienceRef pinList = pinterest.linkAudience(pinPlatform.createExisting());
        deliveries.pair(shop.storeId(), "pinterest-outage", shop.segmentId(), pinList);
        int throttles = 6;
        for (int i = 0; i < throttles; i++) {
            pinPlatform.inject(new Fault.Throttle(1)); // 429, Retry-After: 1
        }

        DeliveryEngine engine = engine();
        SyncWorker pinWorker = sync.worker("pinterest-outage", pinterest);
        SyncWorker metaWorker = sync.worker("meta-outage", meta);
        long started = System.nanoTime();
        engine.start(pinWorker);
        engine.start(metaWorker);

        await("Meta in sync", () -> metaPlatform.members(metaList.id()).equals(expected));
        Duration metaTook = Duration.ofNanos(System.nanoTime() - started);
        // Pinterest is still honouring its Retry-After: nothing applied, its cursor where it was.
        assertThat(pinPlatform.members(pinList.id())).isEmpty();
        assertThat(cursor("pinterest-outage", shop)).isZero();
        assertThat(metaTook).isLessThan(Duration.ofSeconds(throttles));

        await("Pinterest caught up", () -> pinPlatform.members(pinList.id()).equals(expected));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(throttles));
        assertThat(pinWorker.stats().retries()).isGreaterThanOrEqualTo(throttles);
        assertThat(metaWorker.stats().retries()).isZero();
        assertThat(pinPlatform.violations()).isEmpty();
        assertThat(metaPlatform.violations()).isEmpty();
        assertThat(deliveries.deadLetters("pinterest-outage", 10)).isEmpty();
    }

    @Test
    void aPermanentErrorGoesToTheDeadLettersWithThePlatformsMessageAndTheCursorMovesOn() throws Exception {
        Shop shop = shop("sync-dead");
        join(shop, 0, 100, 0);
        await("joined", () -> size(shop) == 100);
        MetaContractServer platform = meta();
        MetaDestination meta = metaDestination(platform, Mode.LIVE);
        AudienceRef audience = meta.linkAudience(platform.createExisting());
        deliveries.pair(shop.storeId(), "meta-dead", shop.segmentId(), audience);
        platform.inject(new Fault.Permanent());

        SyncWorker worker = sync.worker("meta-dead", meta);
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        long moved = cursor("meta-dead", shop);
        assertThat(moved).isEqualTo(lastSequence(shop));
        assertThat(platform.members(audience.id())).isEmpty();
        List<DeadLetter> letters = deliveries.deadLetters("meta-dead", 10);
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DeadLetter.GAVE_UP);
            assertThat(d.operation()).isEqualTo("add");
            assertThat(d.code()).startsWith("190");
            assertThat(d.message()).contains("Error validating access token: Session has expired.");
            assertThat(d.personIds()).hasSize(100).contains("e:" + hashOf(0), "e:" + hashOf(99));
            assertThat(d.toSequence()).isEqualTo(moved);
        });
        assertThat(worker.stats().deadLettered()).isEqualTo(100);

        // Not retried: the next pass sends nothing; later changes go out as usual.
        int sent = uploads(platform).size();
        assertThat(worker.syncOnce().batches()).isZero();
        assertThat(uploads(platform)).hasSize(sent);
        join(shop, 100, 110, 0);
        await("joined", () -> size(shop) == 110);
        worker.syncOnce();
        assertThat(platform.members(audience.id())).isEqualTo(hashes(100, 110));
        assertThat(platform.violations()).isEmpty();
    }

    @Test
    void anErasedShopperLeavesThePlatformListThoughTheirIdsAreGoneByThen() throws Exception {
        Shop shop = shop("sync-erase");
        join(shop, 0, 20, 0);
        await("joined", () -> size(shop) == 20);
        MetaContractServer platform = meta();
        MetaDestination meta = metaDestination(platform, Mode.LIVE);
        AudienceRef audience = meta.linkAudience(platform.createExisting());
        Pairing pairing = deliveries.pair(shop.storeId(), "meta-erase", shop.segmentId(), audience);
        SyncWorker worker = sync.worker("meta-erase", meta);
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(platform.members(audience.id())).isEqualTo(hashes(0, 20));

        // The erasure deletes the person's ids before the worker reads their LEFT: the uploaded hash is removed anyway.
        assertThat(server.audiencesPort().erase(shop.storeId(), "v3").status()).isEqualTo("erased");
        await("erased", () -> size(shop) == 19);
        assertThat(worker.syncOnce().caughtUp()).isTrue();
        Set<String> remaining = hashes(0, 20);
        remaining.remove(hashOf(3));
        assertThat(platform.members(audience.id())).isEqualTo(remaining).isEqualTo(uploadableMembers(shop));
        assertThat(deliveries.uploaded(pairing, List.of("e:" + hashOf(3)))).isEmpty();
        assertThat(deliveries.uploaded(pairing, List.of("e:" + hashOf(4)))).hasSize(1);
        assertThat(worker.stats().notUploadable()).isZero();
        assertThat(platform.violations()).isEmpty();
    }

    @Test
    void dryRunRecordsExactlyTheRequestsLiveSends() throws Exception {
        Shop shop = shop("sync-dry");
        joinThenLeave(shop, 500, 20, 150);
        MetaContractServer platform = meta();
        String listId = platform.createExisting();

        MetaDestination live = metaDestination(platform, Mode.LIVE);
        MetaDestination dry = metaDestination(platform, Mode.DRY_RUN);
        deliveries.pair(shop.storeId(), "meta-live", shop.segmentId(), live.linkAudience(listId));
        deliveries.pair(shop.storeId(), "meta-dry", shop.segmentId(), dry.linkAudience(listId));
        // Small batches: several adds and removes, in the order of the change log.
        ListSync small = new ListSync(server.audiencesPort(), deliveries, Backoff.DEFAULT, Clock.systemUTC(), 100);

        SyncWorker dryWorker = small.worker("meta-dry", dry);
        assertThat(dryWorker.syncOnce().caughtUp()).isTrue();
        assertThat(platform.received()).as("dry-run sends nothing").isEmpty();
        assertThat(cursor("meta-dry", shop)).as("a recorded batch is done").isEqualTo(lastSequence(shop));

        assertThat(small.worker("meta-live", live).syncOnce().caughtUp()).isTrue();
        List<Received> sent = platform.received();
        List<RecordedRequest> recorded = dry.requests().all();
        assertThat(sent).hasSizeGreaterThan(5);
        assertThat(recorded).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(recorded.get(i).mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(recorded.get(i).request().method()).isEqualTo(sent.get(i).method());
            assertThat(recorded.get(i).request().uri().getPath()).isEqualTo(sent.get(i).path());
            assertThat(recorded.get(i).request().body()).isEqualTo(sent.get(i).body());
        }
        assertThat(platform.members(listId)).isEqualTo(hashes(150, 500));
        assertThat(dryWorker.stats().added()).isEqualTo(500);
        assertThat(dryWorker.stats().removed()).isEqualTo(150);
        assertThat(dryWorker.stats().notUploadable()).isEqualTo(20);
        assertThat(platform.violations()).isEmpty();
    }
}
