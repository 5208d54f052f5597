package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A user sees only their stores: every store route answers 404 for another tenant's store. */
class TenantIsolationTest {
    /** Every GET route under a store ({@code SEG} and {@code DEST} stand for a real segment and destination of the store). */
    static final List<String> STORE_PAGES = List.of("", "/checklist", "/live", "/live/stream", "/funnel",
            "/funnel?days=7", "/visitors?id=v1", "/visitors/v1", "/segments", "/segments/rows", "/segments/new",
            "/segments/new?template=cart_abandoners", "/segments/seg_x", "/segments/seg_x/chart",
            "/segments/SEG", "/segments/SEG/status", "/segments/SEG/status?was=building", "/segments/SEG/chart",
            "/destinations", "/destinations/ds_x", "/destinations/DEST", "/destinations/DEST/requests",
            "/campaigns", "/campaigns/cmp_x", "/campaigns/CMP", "/campaigns/CMP/mailbox/0123abcd",
            "/products", "/products?q=mat&page=2", "/products/ghost", "/rebound-woocommerce.zip");

    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created alice;
    StoreRepository.Created bob;
    String aliceSegment;
    String aliceDestination;
    String aliceCampaign;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        UserRepository users = h.dashboard.users();
        long a = users.create("alice@example.com", "alice password 1").id();
        long b = users.create("bob@example.com", "bob password 12").id();
        alice = h.stores.create("Alice shop", false);
        bob = h.stores.create("Bob shop", false);
        users.addMember(a, alice.store().id());
        users.addMember(b, bob.store().id());
        Instant now = h.clock.instant();
        h.append(Event.builder(alice.store().id(), "e1", EventType.PAGE_VIEW, now, now).anonymousId("v1").build());
        aliceSegment = h.audiences.createSegment(alice.store().id(),
                SegmentTemplates.cartAbandoners(9, SegmentTemplates.Scope.STORE), "cart_abandoners").id();
        aliceDestination = h.activation.connect(alice.store().id(), "Alice Meta", io.rebound.destinations.Mode.DRY_RUN,
                null, io.rebound.server.activation.DestinationSettings.parse(io.rebound.core.activation.Platform.META,
                        Map.of("ad_account_id", "1234567890", "access_token", "alice-token-1234"))).id();
        aliceCampaign = new io.rebound.server.campaign.JdbcCampaigns(h.database.dataSource(), h.clock).create(
                alice.store().id(), io.rebound.core.campaign.CampaignDefinitions.parse(Map.of("name", "Alice campaign",
                        "segment_id", aliceSegment, "channels", Map.of("onsite", true), "touches", List.of(Map.of(
                                "after_hours", 0, "creative", Map.of("products", List.of("mat"), "headline", "Hi")))))).id();
    }

    private String page(String path) {
        return path.replace("SEG", aliceSegment).replace("DEST", aliceDestination).replace("CMP", aliceCampaign);
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    @Test
    void everyStorePageOfAnotherTenantIsNotFound() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("bob@example.com", "bob password 12");
        for (String page : STORE_PAGES) {
            HttpResponse<String> r = b.get("/dashboard/stores/" + alice.store().id() + page(page));
            assertThat(r.statusCode()).as(page).isEqualTo(404);
            assertThat(r.body()).as(page).doesNotContain("Alice shop").doesNotContain(alice.store().writeKey())
                    .doesNotContain("Cart abandoners (9 days)").doesNotContain("Alice Meta")
                    .doesNotContain("Alice campaign");
            // Alice's segment and destination ids under Bob's own store are not found either.
            if (page.contains("SEG") || page.contains("DEST") || page.contains("CMP")) {
                HttpResponse<String> own = b.get("/dashboard/stores/" + bob.store().id() + page(page));
                assertThat(own.statusCode()).as("own store " + page).isEqualTo(404);
                assertThat(own.body()).doesNotContain("Cart abandoners (9 days)").doesNotContain("Alice Meta");
            }
        }
        b.get("/dashboard/stores");
        HttpResponse<String> rotate = b.post("/dashboard/stores/" + alice.store().id() + "/secret-key",
                Map.of("_csrf", b.csrf));
        assertThat(rotate.statusCode()).isEqualTo(404);
        assertThat(h.stores.bySecretKey(alice.secretKey())).isPresent();
        HttpResponse<String> segment = b.post("/dashboard/stores/" + alice.store().id() + "/segments",
                Map.of("_csrf", b.csrf, "template", "cart_abandoners"));
        assertThat(segment.statusCode()).isEqualTo(404);
        HttpResponse<String> json = b.post("/dashboard/stores/" + alice.store().id() + "/segments",
                Map.of("_csrf", b.csrf, "definition", "{\"name\": \"x\", \"include\": [{\"event\": \"Purchase\", \"within_days\": 1}]}"));
        assertThat(json.statusCode()).isEqualTo(404);
        for (String store : List.of(alice.store().id(), bob.store().id())) {
            HttpResponse<String> delete = b.post("/dashboard/stores/" + store + "/segments/" + aliceSegment + "/delete",
                    Map.of("_csrf", b.csrf));
            assertThat(delete.statusCode()).isEqualTo(404);
        }
        HttpResponse<String> connect = b.post("/dashboard/stores/" + alice.store().id() + "/destinations",
                Map.of("_csrf", b.csrf, "platform", "meta", "name", "Bob's Meta", "config.ad_account_id", "1",
                        "config.access_token", "bob-token"));
        assertThat(connect.statusCode()).isEqualTo(404);
        HttpResponse<String> upload = b.post("/dashboard/stores/" + alice.store().id() + "/products/upload",
                Map.of("_csrf", b.csrf, "csv", "id,title,description,link,image_link,price,currency,availability\r\n"
                        + "x,X,D,https://a.example/x,https://a.example/x.jpg,1,USD,in_stock\r\n"));
        assertThat(upload.statusCode()).isEqualTo(404);
        assertThat(h.catalog.count(alice.store().id())).isZero();
        for (String store : List.of(alice.store().id(), bob.store().id())) {
            String d = "/dashboard/stores/" + store + "/destinations/" + aliceDestination;
            for (String action : List.of("", "/test", "/delete")) {
                HttpResponse<String> r = b.post(d + action, Map.of("_csrf", b.csrf, "name", "taken over",
                        "config.ad_account_id", "1", "test_event_code", "TEST1"));
                assertThat(r.statusCode()).as(d + action).isEqualTo(404);
                assertThat(r.body()).doesNotContain("Alice Meta").doesNotContain("alice-token");
            }
            HttpResponse<String> sync = b.post("/dashboard/stores/" + store + "/segments/" + aliceSegment + "/destinations/"
                    + aliceDestination, Map.of("_csrf", b.csrf, "sync", "on"));
            assertThat(sync.statusCode()).isEqualTo(404);
        }
        for (String store : List.of(alice.store().id(), bob.store().id())) {
            for (String action : List.of("/pause", "/delete")) {
                HttpResponse<String> r = b.post("/dashboard/stores/" + store + "/campaigns/" + aliceCampaign + action,
                        Map.of("_csrf", b.csrf));
                assertThat(r.statusCode()).as(action).isEqualTo(404);
            }
        }
        assertThat(b.post("/dashboard/stores/" + alice.store().id() + "/campaigns", Map.of("_csrf", b.csrf,
                "name", "Bob's", "template", "product_viewers", "products", "mat", "headline", "x", "onsite", "on"))
                .statusCode()).isEqualTo(404);
        assertThat(new io.rebound.server.campaign.JdbcCampaigns(h.database.dataSource(), h.clock)
                .get(alice.store().id(), aliceCampaign).orElseThrow().status())
                .isEqualTo(io.rebound.server.campaign.CampaignRecord.Status.ACTIVE);
        assertThat(h.activation.list(alice.store().id())).singleElement()
                .satisfies(d -> assertThat(d.name()).isEqualTo("Alice Meta"));
        assertThat(h.activation.list(bob.store().id())).isEmpty();
        assertThat(h.activation.pairingsOf(alice.store().id(), aliceSegment)).isEmpty();
        assertThat(h.activation.requests(aliceDestination, 10)).as("no test was sent").isEmpty();
        assertThat(h.audiences.segments(alice.store().id())).singleElement()
                .satisfies(s -> assertThat(s.id()).isEqualTo(aliceSegment));
        assertThat(h.audiences.segments(bob.store().id())).isEmpty();
    }

    @Test
    void theOwnerSeesTheirOwnStorePages() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("alice@example.com", "alice password 1");
        for (String page : List.of("", "/checklist", "/live", "/funnel", "/visitors/v1", "/segments", "/segments/rows",
                "/segments/new", "/segments/SEG", "/segments/SEG/status", "/segments/SEG/chart", "/destinations",
                "/destinations/DEST", "/destinations/DEST/requests", "/campaigns", "/campaigns/CMP", "/products")) {
            HttpResponse<String> r = b.get("/dashboard/stores/" + alice.store().id() + page(page));
            assertThat(r.statusCode()).as(page).isEqualTo(200);
        }
        HttpResponse<String> list = b.get("/dashboard/stores");
        assertThat(list.body()).contains("Alice shop").doesNotContain("Bob shop");
    }

    @Test
    void storePagesNeedASignedInUser() throws Exception {
        DashboardHarness.Browser b = h.browser();
        for (String page : STORE_PAGES) {
            assertThat(b.get("/dashboard/stores/" + alice.store().id() + page(page)).statusCode()).as(page).isEqualTo(302);
        }
    }

    @Test
    void aNewStoreBelongsToItsCreatorAndShowsItsSecretOnce() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("bob@example.com", "bob password 12");
        b.get("/dashboard/stores");
        HttpResponse<String> created = b.post("/dashboard/stores", Map.of("name", "Bob second shop", "_csrf", b.csrf));
        String location = created.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> first = b.get(location);
        assertThat(first.body()).contains("shown once").containsPattern("sk_[A-Za-z0-9]{40}");
        HttpResponse<String> again = b.get(location);
        assertThat(again.body()).doesNotContainPattern("sk_[A-Za-z0-9]{40}");
        assertThat(again.body()).contains("rebound(&#39;init&#39;,&#39;wk_").contains("/pixel.js");
        b.post(location + "/secret-key", Map.of("_csrf", b.csrf));
        assertThat(b.get(location).body()).containsPattern("sk_[A-Za-z0-9]{40}");
    }
}
