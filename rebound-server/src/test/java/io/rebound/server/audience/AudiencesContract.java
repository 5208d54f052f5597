package io.rebound.server.audience;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of the {@link Audiences} port, run by every implementation: events go in through the
 * real collector of a running server, and everything is read back through the port, waiting (with a
 * deadline, never a fixed sleep) where the implementation is eventually consistent.
 */
public abstract class AudiencesContract {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final Duration SETTLE = Duration.ofSeconds(60);

    /** The port under test. */
    protected abstract Audiences audiences();

    /** Where the server's collector listens. */
    protected abstract String baseUrl();

    protected abstract StoreRepository stores();

    /** Whether the implementation reads person states (a membership's reason and end time). */
    protected abstract boolean readsPersonStates();

    /** The status an accepted erasure answers with ({@code erased} when synchronous, else {@code erasing}). */
    protected abstract String erasureStatus();

    private static String event(String type, String visitor, String id, String product, Instant at) {
        String props = type.equals("Order Completed")
                ? "{\"order_id\":\"o-%1$s\",\"total\":40,\"currency\":\"USD\",\"products\":[{\"product_id\":\"%2$s\",\"price\":40,\"quantity\":1}]}"
                .formatted(id, product)
                : "{\"product_id\":\"%s\"}".formatted(product);
        return """
                {"type":"track","event":"%s","messageId":"%s","anonymousId":"%s","timestamp":"%s","properties":%s}"""
                .formatted(type, id, visitor, at, props);
    }

    private void post(StoreRepository.Created store, String... events) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/batch"))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER)
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        (store.store().writeKey() + ":").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + String.join(",", events) + "]}")).build();
        HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static <T> T await(String what, Supplier<T> value, java.util.function.Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        T v = value.get();
        while (!done.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last seen: " + v);
            }
            Thread.sleep(50);
            v = value.get();
        }
        return v;
    }

    /** Each person's last change kind. */
    private static Map<String, String> lastKinds(List<LoggedChange> changes) {
        Map<String, String> last = new java.util.HashMap<>();
        changes.forEach(c -> last.put(c.change().personId(), c.change().kind().name()));
        return last;
    }

    private static LoggedChange lastOf(List<LoggedChange> changes, String person) {
        LoggedChange last = null;
        for (LoggedChange c : changes) {
            if (c.change().personId().equals(person)) {
                last = c;
            }
        }
        return last;
    }

    private List<String> members(String store, String segment) {
        return audiences().reader().members(store, segment, null, 100).stream().map(AudienceReader.Member::personId).toList();
    }

    private SegmentRecord ready(String store, String segment) throws InterruptedException {
        return await("segment " + segment + " ready", () -> audiences().segment(store, segment).orElseThrow(),
                s -> s.status() == SegmentRecord.Status.READY);
    }

    /** A store with two abandoners (v1, v3) and a buyer (v2), an hour ago. */
    private StoreRepository.Created shop(String name) throws Exception {
        StoreRepository.Created store = stores().create(name, false);
        Instant t = Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        post(store,
                event("Product Added", "v1", name + "-1", "mat", t),
                event("Product Added", "v2", name + "-2", "mat", t),
                event("Order Completed", "v2", name + "-3", "mat", t.plusSeconds(60)),
                event("Product Added", "v3", name + "-4", "block", t));
        return store;
    }

    @Test
    void aSegmentBuildsAndItsMembersChangesSizesAndVisitorsAreReadable() throws Exception {
        StoreRepository.Created shop = shop("contract-read");
        String store = shop.store().id();
        Audiences a = audiences();
        SegmentRecord s = a.createSegment(store, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        assertThat(a.segments(store)).extracting(SegmentRecord::id).containsExactly(s.id());
        ready(store, s.id());
        assertThat(a.progress(store, s.id()).percent()).isEqualTo(100.0);
        assertThat(await("members", () -> members(store, s.id()), m -> m.size() == 2)).containsExactly("a:v1", "a:v3");
        assertThat(a.reader().size(store, s.id())).isEqualTo(2);
        // Events the runtime learns of after the segment exists may join and leave on the way (v2): the last word counts.
        Map<String, String> last = await("changes", () -> lastKinds(a.reader().changes(store, s.id(), 0, 100)),
                k -> "JOINED".equals(k.get("a:v1")) && "JOINED".equals(k.get("a:v3")));
        assertThat(last.get("a:v2")).isIn(null, "LEFT");
        assertThat(a.reader().changes(store, s.id(), 0, 100)).extracting(LoggedChange::sequence).isSorted();
        assertThat(await("sizes", () -> a.reader().sizes(store, s.id(), 10), x -> !x.isEmpty()).getLast().size()).isEqualTo(2);

        Audiences.VisitorMemberships v1 = a.visitor(store, "v1");
        assertThat(v1.personId()).isEqualTo("a:v1");
        assertThat(v1.memberships()).singleElement().satisfies(m -> {
            assertThat(m.segmentId()).isEqualTo(s.id());
            assertThat(m.name()).isEqualTo(s.definition().name());
            if (readsPersonStates()) {
                assertThat(m.reason()).isNotBlank();
                assertThat(m.endsAt()).isAfter(Instant.now().plus(Duration.ofDays(6)));
            } else {
                assertThat(m.reason()).isNull();
            }
        });
        assertThat(a.visitor(store, "v2").memberships()).isEmpty();
        assertThat(a.visitor(store, "nobody").personId()).isNull();
        List<io.rebound.core.event.Event> timeline = await("v2's timeline", () -> a.timeline(store, "v2", 100).orElseThrow(),
                events -> events.size() == 2);
        assertThat(timeline).extracting(e -> e.type().name()).containsExactly("ADD_TO_CART", "PURCHASE");
        assertThat(a.latestEvent(store, "v2")).map(e -> e.type().name()).hasValue("PURCHASE");
        assertThat(a.latestEvent(store, "nobody")).isEmpty();
        assertThat(await("3 visitors in 30 days", () -> a.reader().uniqueVisitors30d(store, a.clock().instant()),
                n -> n == 3)).isEqualTo(3);
    }

    @Test
    void anEditReevaluatesEveryoneAndADeleteEmptiesTheSegment() throws Exception {
        StoreRepository.Created shop = shop("contract-edit");
        String store = shop.store().id();
        Audiences a = audiences();
        SegmentRecord s = a.createSegment(store, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        ready(store, s.id());
        await("abandoners", () -> members(store, s.id()), m -> m.size() == 2);

        a.putSegment(store, s.id(), SegmentTemplates.pastPurchasers(30, SegmentTemplates.Scope.STORE), "past_purchasers");
        assertThat(ready(store, s.id()).template()).isEqualTo("past_purchasers");
        assertThat(await("buyers", () -> members(store, s.id()), m -> m.equals(List.of("a:v2")))).containsExactly("a:v2");
        await("the size follows", () -> a.reader().size(store, s.id()), n -> n == 1);

        assertThat(a.deleteSegment(store, s.id())).isTrue();
        assertThat(a.segment(store, s.id())).isEmpty();
        assertThat(a.segments(store)).isEmpty();
        assertThat(a.deleteSegment(store, s.id())).isFalse();
        await("the deleted segment's members leave", () -> a.visitor(store, "v2").memberships(), List::isEmpty);
    }

    @Test
    void anErasureTakesTheVisitorOutOfEveryAudienceAndIsIdempotent() throws Exception {
        StoreRepository.Created shop = shop("contract-erase");
        String store = shop.store().id();
        Audiences a = audiences();
        SegmentRecord s = a.createSegment(store, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        ready(store, s.id());
        await("abandoners", () -> members(store, s.id()), m -> m.size() == 2);

        Audiences.Erasure erased = a.erase(store, "v1");
        assertThat(erased.status()).isEqualTo(erasureStatus());
        assertThat(erased.personId()).isEqualTo("a:v1");
        assertThat(erased.visitorIds()).contains("v1");
        assertThat(erased.segmentsLeft()).containsExactly(s.id());
        assertThat(await("v1 gone", () -> members(store, s.id()), m -> m.equals(List.of("a:v3")))).containsExactly("a:v3");
        await("v1 unknown", () -> a.visitor(store, "v1").personId(), java.util.Objects::isNull);
        LoggedChange leave = await("the leave", () -> lastOf(a.reader().changes(store, s.id(), 0, 100), "a:v1"),
                c -> c != null && c.change().kind().name().equals("LEFT"));
        assertThat(leave.change().reason()).contains("erased");
        await("v1's stored events gone", () -> a.timeline(store, "v1", 100).orElseThrow(), List::isEmpty);
        assertThat(a.erase(store, "v1").status()).isEqualTo("nothing_to_erase");
    }

    @Test
    void oneStoreSeesNothingOfAnother() throws Exception {
        String storeA = shop("contract-a").store().id();
        String storeB = shop("contract-b").store().id();
        Audiences a = audiences();
        SegmentRecord inB = a.createSegment(storeB, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
        ready(storeB, inB.id());
        await("B's members", () -> members(storeB, inB.id()), m -> m.size() == 2);
        assertThat(a.segment(storeA, inB.id())).isEmpty();
        assertThat(a.segments(storeA)).isEmpty();
        assertThat(members(storeA, inB.id())).isEmpty();
        assertThat(a.reader().size(storeA, inB.id())).isZero();
        assertThat(a.visitor(storeA, "v1").memberships()).isEmpty();
        assertThat(a.deleteSegment(storeA, inB.id())).isFalse();
        assertThat(a.segment(storeB, inB.id())).isPresent();
    }
}
