package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The debugger's server-sent events and the setup checklist, fed by the indexer listener. */
class LiveStreamTest {
    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created store;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long uid = h.dashboard.users().create("owner@example.com", "owner password").id();
        store = h.stores.create("Shop", false);
        h.dashboard.users().addMember(uid, store.store().id());
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    @Test
    void newEventsStreamToTheStoresDebuggerWithWarnings() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "owner password");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(h.base + "/dashboard/stores/" + store.store().id()
                + "/live/stream")).header("Accept-Encoding", "gzip").GET().build();
        HttpResponse<java.util.stream.Stream<String>> response = b.http.sendAsync(request,
                HttpResponse.BodyHandlers.ofLines()).get(5, TimeUnit.SECONDS);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
                assertThat(v).startsWith("text/event-stream"));
        Thread reader = Thread.ofVirtual().start(() -> response.body().forEach(lines::add));
        assertThat(lines.poll(5, TimeUnit.SECONDS)).startsWith("retry:");
        Instant now = Instant.now();
        h.append(Event.builder("st_other", "o1", EventType.PAGE_VIEW, now, now).anonymousId("x").build(),
                Event.builder(store.store().id(), "e1", EventType.ADD_TO_CART, now, now).anonymousId("v1").build(),
                Event.builder(store.store().id(), "e2", EventType.VIEW_CONTENT, now, now).anonymousId("v1")
                        .products(List.of(Product.of("yoga-mat"))).build());
        String data = null;
        while (data == null) {
            String line = lines.poll(5, TimeUnit.SECONDS);
            assertThat(line).as("an SSE data line").isNotNull();
            if (line.startsWith("data: ")) {
                data = line;
            }
        }
        assertThat(data).contains("\"type\":\"AddToCart\"").contains("\"visitor\":\"v1\"").contains("no content ids")
                .doesNotContain("st_other");
        reader.interrupt();
        response.body().close();
        var firsts = new SetupProgress(h.database.dataSource()).firsts(store.store().id());
        assertThat(firsts).containsOnlyKeys(EventType.ADD_TO_CART, EventType.VIEW_CONTENT);
        HttpResponse<String> checklist = b.get("/dashboard/stores/" + store.store().id() + "/checklist");
        assertThat(checklist.body()).contains("data-testid=\"check-AddToCart\" data-done=\"true\"")
                .contains("data-testid=\"check-Purchase\" data-done=\"false\"");
    }

    @Test
    void aDuplicatedEventIdIsShownWithAWarningEvenThoughItIsNotStored() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "owner password");
        Instant now = Instant.now();
        Event purchase = Event.builder(store.store().id(), "order-1001", EventType.PURCHASE, now, now).anonymousId("v2")
                .products(List.of(Product.of("yoga-mat"))).value(new java.math.BigDecimal("68")).currency("USD").build();
        h.append(purchase);
        h.append(purchase);
        long deadline = System.currentTimeMillis() + 5_000;
        String page = "";
        while (System.currentTimeMillis() < deadline && !page.contains("duplicated event id")) {
            page = b.get("/dashboard/stores/" + store.store().id() + "/live").body();
            Thread.sleep(50);
        }
        assertThat(page).contains("duplicated event id");
        assertThat(h.indexer.visitorEvents(store.store().id(), "v2", 10)).hasSize(1);
    }

    private HttpResponse<java.util.stream.Stream<String>> open(DashboardHarness.Browser b, String storeId)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(h.base + "/dashboard/stores/" + storeId
                + "/live/stream")).GET().build();
        return b.http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aStoreCannotHoldMoreThanTenDebuggerStreamsOpen() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "owner password");
        List<HttpResponse<java.util.stream.Stream<String>>> streams = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                streams.add(open(b, store.store().id()));
                assertThat(streams.get(i).statusCode()).isEqualTo(200);
            }
            HttpResponse<java.util.stream.Stream<String>> refused = open(b, store.store().id());
            streams.add(refused);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body().findFirst().orElse("")).contains("live-streams-per-store");
        } finally {
            streams.forEach(s -> s.body().close());
        }
    }

    @Test
    void theProcessCapsDebuggerStreamsAcrossStoresWith503() throws Exception {
        h.close();
        h = new DashboardHarness(dir.resolve("capped"), s -> s.withLimits(s.sessions(), 2, 3, s.segmentsPerStore()));
        long uid = h.dashboard.users().create("owner@example.com", "owner password").id();
        String a = h.stores.create("A", false).store().id();
        String c = h.stores.create("C", false).store().id();
        h.dashboard.users().addMember(uid, a);
        h.dashboard.users().addMember(uid, c);
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "owner password");
        List<HttpResponse<java.util.stream.Stream<String>>> streams = new java.util.ArrayList<>();
        try {
            streams.add(open(b, a));
            streams.add(open(b, a));
            streams.add(open(b, a));
            streams.add(open(b, c));
            streams.add(open(b, c));
            assertThat(streams).extracting(HttpResponse::statusCode).containsExactly(200, 200, 429, 200, 503);
        } finally {
            streams.forEach(s -> s.body().close());
        }
        // A closed stream frees its place.
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = 0;
        while (System.nanoTime() < deadline && status != 200) {
            var again = open(b, c);
            status = again.statusCode();
            again.body().close();
            Thread.sleep(50);
        }
        assertThat(status).isEqualTo(200);
    }
}
