package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.EventCondition;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.Window;
import io.rebound.server.audience.Recency;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.cluster.ClusterAudienceView;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The segment pages over the embedded audience runtime: create, list, charts, sample, delete, memberships. */
class SegmentPagesTest {
    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created shop;
    DashboardHarness.Browser b;
    String base;
    int seq;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long owner = h.dashboard.users().create("owner@example.com", "owner password 1").id();
        shop = h.stores.create("Mat shop", false);
        h.dashboard.users().addMember(owner, shop.store().id());
        base = "/dashboard/stores/" + shop.store().id();
        b = h.browser();
        b.signIn("owner@example.com", "owner password 1");
        // v1 and v2 viewed the mat two days ago; v2 also added it to the cart (so is no "viewer without cart").
        send("v1", EventType.VIEW_CONTENT, Duration.ofDays(2), "mat");
        send("v2", EventType.VIEW_CONTENT, Duration.ofDays(2), "mat");
        send("v2", EventType.ADD_TO_CART, Duration.ofDays(2).minusHours(1), "mat");
        send("v3", EventType.VIEW_CONTENT, Duration.ofHours(1), "block");
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    private void send(String visitor, EventType type, Duration ago, String... products) throws InterruptedException {
        Instant t = h.clock.instant().minus(ago);
        h.append(Event.builder(shop.store().id(), "e" + (++seq), type, t, t).anonymousId(visitor)
                .products(Arrays.stream(products).map(Product::of).toList()).build());
    }

    private String createFromTemplate(Map<String, String> form) throws Exception {
        b.get(base + "/segments");
        java.util.Map<String, String> all = new java.util.HashMap<>(form);
        all.put("_csrf", b.csrf);
        HttpResponse<String> r = b.post(base + "/segments", all);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(base + "/segments/");
        String id = location.substring(location.lastIndexOf('/') + 1);
        h.audiences.backfillDone(shop.store().id(), id).get(10, TimeUnit.SECONDS);
        return id;
    }

    @Test
    void aTemplateSegmentShowsItsSizeStatusReadinessChartsAndSample() throws Exception {
        String id = createFromTemplate(Map.of("template", "product_viewers", "days", "14"));
        // Backfilled members (v1, v3) joined when the segment was created; two days later v4 views the mat.
        h.clock.advance(Duration.ofDays(2));
        send("v4", EventType.VIEW_CONTENT, Duration.ZERO, "mat");
        b.signIn("owner@example.com", "owner password 1");

        String page = b.get(base + "/segments/" + id).body();
        assertThat(page).contains("Product viewers without add-to-cart (14 days)");
        assertThat(page).containsPattern("data-testid=\"segment-size\">3<");
        assertThat(page).contains("data-testid=\"segment-status\">Ready");
        assertThat(page).contains("data-testid=\"platform-meta\" data-ready=\"false\"").contains("−97");
        assertThat(page).contains("data-testid=\"platform-tiktok\"").contains("−997");
        assertThat(page).contains("under the 1,000 recommended");
        assertThat(page).contains("chart.js/4.5.1/dist/chart.umd.min.js");
        // Recency over the 14-day window, by days since the last view: v4 today, v3 two days ago, v1 four.
        assertThat(page).contains("\"type\":\"bar\"").contains("\"data\":[1,0,1,0,1,0,0,0,0,0,0,0,0,0]")
                .contains("\"xTitle\":\"Days since last product view\"")
                .contains("members by days since their last product view</span>");
        assertThat(page).contains("\"type\":\"line\"").contains("\"now\"");
        assertThat(page).contains(base + "/visitors/v1").contains(base + "/visitors/v4").doesNotContain("/visitors/v2\"");
        // Not polling any more.
        assertThat(page).doesNotContain("status?was=building");

        String list = b.get(base + "/segments").body();
        assertThat(list).contains("data-testid=\"row-size\">3<").contains("data-status=\"ready\"")
                .doesNotContain("hx-trigger=\"every 2s\"");
        assertThat(b.get(base + "/segments/rows").body()).contains("data-testid=\"row-size\">3<");
        assertThat(b.get(base + "/segments/" + id + "/chart").body()).contains("recency-data-" + id);
    }

    @Test
    void theFunnelAndTheSegmentsPageShowOneThirtyDayVisitorCountWithOneVerdict() throws Exception {
        // A visitor last seen 30 days and an hour ago is out of "the last 30 days" on every page, day buckets or not.
        send("v-old", EventType.VIEW_CONTENT, Duration.ofDays(30).plusHours(1), "mat");
        send("v-edge", EventType.VIEW_CONTENT, Duration.ofDays(29).plusHours(23), "mat");
        h.indexer.awaitCaughtUp(5_000);
        h.audiences.sync();
        String funnel = b.get(base + "/funnel").body();
        String segments = b.get(base + "/segments").body();
        assertThat(funnel).contains("data-testid=\"visitors-30d\">4<");
        assertThat(segments).contains("data-testid=\"segments-visitors-30d\">4<");
        assertThat(funnel).contains("data-testid=\"readiness\">Too little traffic<");
        assertThat(funnel).contains("meter-fill too_small");
    }

    @Test
    void theStatusFragmentAsksThePageToRefreshItsChartsOnceBuilt() throws Exception {
        String id = createFromTemplate(Map.of("template", "cart_abandoners"));
        HttpResponse<String> r = b.get(base + "/segments/" + id + "/status?was=building");
        assertThat(r.headers().firstValue("HX-Trigger")).hasValue("segment-ready");
        assertThat(r.body()).contains("data-testid=\"segment-size\">1<").doesNotContain("hx-get");
        assertThat(b.get(base + "/segments/" + id + "/status").headers().firstValue("HX-Trigger")).isEmpty();
    }

    @Test
    void aTemplateCanBeNarrowedToAProduct() throws Exception {
        String id = createFromTemplate(Map.of("template", "product_viewers", "product_id", "block", "days", ""));
        SegmentRecord s = h.audiences.segment(shop.store().id(), id).orElseThrow();
        assertThat(s.definition().name()).isEqualTo("Product viewers without add-to-cart (14 days) — block");
        assertThat(s.template()).isEqualTo("product_viewers");
        assertThat(b.get(base + "/segments/" + id).body()).containsPattern("data-testid=\"segment-size\">1<");
    }

    @Test
    void aTemplateWithBadDaysShowsTheMessageBesideTheField() throws Exception {
        b.get(base + "/segments");
        HttpResponse<String> r = b.post(base + "/segments", Map.of("_csrf", b.csrf, "template", "cart_abandoners",
                "days", "999"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("id=\"tpl-cart_abandoners-days-error\"")
                .contains("Days must be a whole number from 1 to 540")
                .contains("value=\"999\"");
        assertThat(b.post(base + "/segments", Map.of("_csrf", b.csrf, "template", "cart_abandoners", "days", "seven"))
                .body()).contains("Days must be a whole number from 1 to 540.");
        assertThat(h.audiences.segments(shop.store().id())).isEmpty();
    }

    @Test
    void segmentJsonIsValidatedWithMessagesNamingTheField() throws Exception {
        b.get(base + "/segments/new");
        HttpResponse<String> bad = b.post(base + "/segments", Map.of("_csrf", b.csrf, "definition",
                "{\"name\": \"Recent carts\", \"include\": [{\"event\": \"AddToCart\", \"within_days\": 0}]}"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("data-testid=\"json-errors\"").contains("<code>include[0].within_days</code>")
                .contains("aria-invalid=\"true\"").contains("Recent carts");
        HttpResponse<String> broken = b.post(base + "/segments", Map.of("_csrf", b.csrf, "definition", "{\"name\": "));
        assertThat(broken.body()).contains("This is not valid JSON (line 1");
        HttpResponse<String> empty = b.post(base + "/segments", Map.of("_csrf", b.csrf, "definition", " "));
        assertThat(empty.body()).contains("Enter the segment as JSON");
        assertThat(h.audiences.segments(shop.store().id())).isEmpty();

        HttpResponse<String> ok = b.post(base + "/segments", Map.of("_csrf", b.csrf, "definition",
                "{\"name\": \"Mat viewers\", \"include\": [{\"event\": \"ViewContent\", \"within_days\": 7, "
                        + "\"where\": {\"product_id\": \"mat\"}}]}"));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(h.audiences.segments(shop.store().id())).singleElement()
                .satisfies(s -> assertThat(s.definition().name()).isEqualTo("Mat viewers"));
    }

    @Test
    void theJsonFormStartsFromTheChosenTemplate() throws Exception {
        String page = b.get(base + "/segments/new?template=abandoner_offer").body();
        assertThat(page).contains("<label for=\"segment-json\">").contains("Abandoned cart — step 2: offer");
        assertThat(b.get(base + "/segments/new").body()).contains("Cart abandoners (7 days)");
    }

    @Test
    void deletingNeedsTheCsrfTokenAndRemovesTheSegment() throws Exception {
        String id = createFromTemplate(Map.of("template", "past_purchasers"));
        assertThat(b.post(base + "/segments/" + id + "/delete", Map.of()).statusCode()).isEqualTo(403);
        assertThat(h.audiences.segment(shop.store().id(), id)).isPresent();
        String page = b.get(base + "/segments/" + id).body();
        assertThat(page).contains("data-confirm=\"Delete the segment");
        HttpResponse<String> r = b.post(base + "/segments/" + id + "/delete", Map.of("_csrf", b.csrf));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue(base + "/segments");
        assertThat(h.audiences.segment(shop.store().id(), id)).isEmpty();
        assertThat(b.get(base + "/segments").body()).contains("Deleted “Past purchasers (30 days)”.");
        assertThat(b.get(base + "/segments/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void theVisitorPageShowsMembershipsWithReasonAndEnd() throws Exception {
        String id = createFromTemplate(Map.of("template", "cart_abandoners", "days", "7"));
        String page = b.get(base + "/visitors/v2").body();
        assertThat(page).contains("data-testid=\"memberships\"").contains("Cart abandoners (7 days)")
                .contains(base + "/segments/" + id);
        // v2 added to cart 47 hours ago: the 7-day window ends 5 days and 1 hour from now.
        Instant ends = h.clock.instant().minus(Duration.ofDays(2).minusHours(1)).plus(Duration.ofDays(7));
        assertThat(page).contains("datetime=\"" + ends + "\"").contains("unless something changes");
        assertThat(page).contains("<p>added to cart mat");
        assertThat(b.get(base + "/visitors/v1").body()).contains("data-testid=\"no-memberships\"");
    }

    @Test
    void aMissingSegmentIsNotFound() throws Exception {
        for (String path : new String[] {"/segments/sg_nope", "/segments/sg_nope/status", "/segments/sg_nope/chart"}) {
            assertThat(b.get(base + path).statusCode()).as(path).isEqualTo(404);
        }
        b.get(base + "/segments");
        assertThat(b.post(base + "/segments/sg_nope/delete", Map.of("_csrf", b.csrf)).statusCode()).isEqualTo(404);
    }

    @Test
    void recencyCountsDaysSinceTheQualifyingActionNotSinceJoining() throws Exception {
        send("b1", EventType.PURCHASE, Duration.ofDays(2), "mat");
        send("b2", EventType.PURCHASE, Duration.ofDays(10), "mat");
        send("b3", EventType.PURCHASE, Duration.ofDays(20), "block");
        send("b3", EventType.VIEW_CONTENT, Duration.ofHours(3), "mat");
        // All three join now, when the backfill finds them; their purchases were 2, 10 and 20 days ago.
        String id = createFromTemplate(Map.of("template", "past_purchasers", "days", "30"));
        String page = b.get(base + "/segments/" + id).body();
        assertThat(page).containsPattern("data-testid=\"segment-size\">3<");
        long[] expected = new long[30];
        expected[2] = 1;
        expected[10] = 1;
        expected[20] = 1;
        assertThat(page).contains("\"data\":" + java.util.Arrays.toString(expected).replace(" ", ""))
                .contains("\"xTitle\":\"Days since last purchase\"")
                .contains("members by days since their last purchase</span>").doesNotContain("a sample of");
        assertThat(page).contains("<tr><td>2</td><td class=\"num\">1</td></tr>")
                .contains("<tr><td>20</td><td class=\"num\">1</td></tr>")
                .contains("<tr><td>0</td><td class=\"num\">0</td></tr>");
    }

    @Test
    void aLargeSegmentsRecencySaysItIsASample() {
        SegmentRecord s = record(SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE));
        java.util.List<Long> counts = java.util.List.of(900L, 500L, 300L, 150L, 100L, 30L, 20L, 0L);
        Recency r = new Recency("add to cart", counts, SegmentModels.RECENCY_SAMPLE, 15_432);
        String html = new Views().render("segment-live", Map.of("segmentId", "g",
                "recency", SegmentModels.recencyModel(Optional.of(r), s)));
        assertThat(html).contains("members by days since their last add to cart — a sample of 2,000 of 15,432 members")
                .contains("\"yTitle\":\"Members in the sample\"").contains("Days since last add to cart</th>")
                .contains("data-testid=\"recency-chart\"");
    }

    @Test
    void inClusterModeTheRecencyPanelSaysItIsNotAvailableYet() {
        SegmentRecord s = record(SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE));
        // Cluster mode has no person states to count from: the view answers nothing rather than a guess.
        Optional<Recency> none = new ClusterAudienceView(null).recency(s, 7, SegmentModels.RECENCY_SAMPLE,
                h.clock.instant());
        assertThat(none).isEmpty();
        String html = new Views().render("segment-live", Map.of("segmentId", "g",
                "recency", SegmentModels.recencyModel(none, s)));
        assertThat(html).contains("data-testid=\"recency-unavailable\"").contains("Not available in cluster mode yet")
                .contains("days since their last add to cart").doesNotContain("data-testid=\"recency-chart\"");
    }

    @Test
    void theRecencyChartCoversTheQualifyingActionsWindowWithinSevenToNinetyDays() {
        java.util.function.Function<Integer, SegmentRecord> purchasers = days ->
                record(SegmentTemplates.pastPurchasers(days, SegmentTemplates.Scope.STORE));
        assertThat(SegmentModels.recencyDays(purchasers.apply(3))).isEqualTo(7);
        assertThat(SegmentModels.recencyDays(purchasers.apply(30))).isEqualTo(30);
        assertThat(SegmentModels.recencyDays(purchasers.apply(180))).isEqualTo(90);
        // A long exclusion does not stretch the chart: no member's view is older than 14 days.
        assertThat(SegmentModels.recencyDays(record(new SegmentDefinition("viewers",
                java.util.List.of(EventCondition.of(EventType.VIEW_CONTENT, Window.days(14))),
                java.util.List.of(EventCondition.of(EventType.REFUND, Window.days(180))))))).isEqualTo(14);
    }

    private SegmentRecord record(SegmentDefinition definition) {
        Instant now = h.clock.instant();
        return new SegmentRecord("s", "g", definition, null, SegmentRecord.Status.READY, now, now, now);
    }

    @Test
    void aStoreWithOneHundredSegmentsGetsA409NamingTheLimit() throws Exception {
        String first = createFromTemplate(Map.of("template", "cart_abandoners"));
        var record = h.audiences.segment(shop.store().id(), first).orElseThrow();
        for (int i = 1; i < 100; i++) {
            h.audiences.createSegment(shop.store().id(), record.definition(), record.template());
        }
        b.get(base + "/segments");
        HttpResponse<String> r = b.post(base + "/segments", Map.of("template", "cart_abandoners", "_csrf", b.csrf));
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("segments-per-store").contains("100");
        assertThat(h.audiences.segments(shop.store().id())).hasSize(100);
    }
}
