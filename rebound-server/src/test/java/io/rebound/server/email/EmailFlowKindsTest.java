package io.rebound.server.email;

import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.CoPurchases;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.commerce.JdbcRecommendations;
import io.rebound.server.commerce.Recommendations;
import io.rebound.server.json.Json;
import io.rebound.server.wiring.ServerRoutes;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The other flows on the same engine (browse abandonment, post-purchase cross-sell, win-back), the
 * smart-sending gap and the daily cap across flows and channels, offer emails under the same rules
 * as the decision API, and privacy erasure of the email tables; real SMTP (GreenMail), the embedded
 * runtime's change log, H2.
 */
class EmailFlowKindsTest extends EmailFlowFixture {

    private String segment(Map<String, Object> json) {
        String id = audiences.createSegment(store, SegmentDefinitions.parse(json), null).id();
        runtime.backfillDone(store, id).join();
        return id;
    }

    private String flow(String flowName, String segmentId, String onsite, int cap, String touches) throws Exception {
        return campaigns.create(store, CampaignDefinitions.parse(Json.readUntrustedObject("""
                {"name": "%s", "flow": "%s", "segment_id": "%s",
                 "channels": {"ads": [], "email": true, "onsite": %s},
                 "touches": %s, "caps": {"per_person_per_day": %d}, "holdout_percent": 0}"""
                .formatted(flowName, flowName, segmentId, onsite, touches, cap)))).id();
    }

    private static String text(MimeMessage m) throws Exception {
        return (String) ((MimeMultipart) m.getContent()).getBodyPart(0).getContent();
    }

    private void product(String id, String title, String price, String cost) {
        CatalogProduct.Builder b = CatalogProduct.builder(id).title(title).description(title)
                .link("https://shop.example/p/" + id).imageLink("https://shop.example/i/" + id + ".jpg")
                .price(new BigDecimal(price), "USD").availability(Availability.IN_STOCK);
        if (cost != null) {
            b.cost(new BigDecimal(cost));
        }
        new JdbcCatalog(database.dataSource(), clock).upsert(store, b.build());
    }

    private static final Map<String, Object> VIEWERS = Map.of("name", "Viewers",
            "include", List.of(Map.of("event", "ViewContent", "within_days", 14)));

    @Test
    void browseAbandonmentEmailsAViewerAndAPurchaseEndsItEvenWhenTheSegmentKeepsTheBuyer() throws Exception {
        String viewers = segment(VIEWERS);
        String browse = flow("browse_abandonment", viewers, "false", 3, """
                [{"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "Still looking?"}},
                 {"after_hours": 48, "creative": {"products": ["yoga-mat"], "headline": "Back in stock soon"}}]""");
        subscribe("gina");
        event("gina", EventType.VIEW_CONTENT, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        assertThat(text(to("gina").getFirst())).contains("Still looking? Here is what you were browsing:")
                .contains("Yoga mat (68.00 USD)");
        event("gina", EventType.PURCHASE, T0.plus(Duration.ofHours(5)));
        // The viewers segment does not exclude buyers: the flow's own rule (a purchase since joining) ends it.
        assertThat(audiences.reader().isMember(store, viewers, person("gina"))).isTrue();
        assertThat(runAt(T0.plus(Duration.ofHours(60)))).isZero();
        assertThat(queue.state(JdbcEmailQueue.key(browse, person("gina"), 1))).contains("exited");
        assertThat(to("gina")).hasSize(1);
    }

    @Test
    void postPurchaseCrossSellsTheComplementaryProductsAndASecondPurchaseDoesNotEndIt() throws Exception {
        product("yoga-block", "Yoga block", "18.00", null);
        product("yoga-strap", "Carry strap", "12.00", null);
        String buyers = segment(Map.of("name", "Buyers", "include", List.of(Map.of("event", "Purchase", "within_days", 30))));
        String crossSell = flow("post_purchase", buyers, "false", 3, """
                [{"after_hours": 2, "creative": {"products": ["yoga-block"], "headline": "Complete your practice"}},
                 {"after_hours": 240, "creative": {"products": ["yoga-block"], "headline": "Ready for more?"}}]""");
        // The seam recommendations will fill: here, a strap goes with whatever was bought.
        flows = newWorker((storeId, personId, creative) -> List.of("yoga-strap", creative.getFirst()));
        subscribe("hugo");
        event("hugo", EventType.PURCHASE, T0);
        assertThat(runAt(T0.plus(Duration.ofHours(1)))).isZero();
        assertThat(runAt(T0.plus(Duration.ofHours(2)))).isEqualTo(1);
        String body = text(to("hugo").getFirst());
        assertThat(body).contains("Thank you for your order. These go well with it:");
        assertThat(body.indexOf("Carry strap (12.00 USD)")).isPositive().isLessThan(body.indexOf("Yoga block (18.00 USD)"));
        event("hugo", EventType.PURCHASE, T0.plus(Duration.ofDays(3)));
        assertThat(runAt(T0.plus(Duration.ofHours(241)))).as("a purchase starts this flow; it does not end it").isEqualTo(1);
        assertThat(queue.state(JdbcEmailQueue.key(crossSell, person("hugo"), 1))).contains("sent");
    }

    @Test
    void postPurchaseCrossSellsTheStoresOwnComplementsThroughTheRecommendations() throws Exception {
        product("yoga-block", "Yoga block", "18.00", null);
        product("yoga-strap", "Carry strap", "12.00", null);
        product("yoga-towel", "Yoga towel", "22.00", null);
        new JdbcRecommendations(database.dataSource(), clock).setComplements(store, "yoga-mat",
                List.of("yoga-towel", "yoga-mat"));
        String buyers = segment(Map.of("name", "Buyers", "include", List.of(Map.of("event", "Purchase", "within_days", 30))));
        flow("post_purchase", buyers, "false", 3, """
                [{"after_hours": 2, "creative": {"products": ["yoga-block", "yoga-strap"], "headline": "Complete your practice"}}]""");
        flows = newWorker(ServerRoutes.crossSell(new Recommendations(new JdbcCatalog(database.dataSource(), clock),
                new JdbcRecommendations(database.dataSource(), clock), new CoPurchases()), audiences));
        subscribe("jade");
        event("jade", EventType.PURCHASE, T0);
        assertThat(runAt(T0.plus(Duration.ofHours(2)))).isEqualTo(1);
        String body = text(to("jade").getFirst());
        assertThat(body).as("the store's complement of the mat she bought, never the mat itself")
                .contains("Yoga towel (22.00 USD)").doesNotContain("Yoga mat (").doesNotContain("Yoga block (");
    }

    @Test
    void winBackStartsWhenTheLastPurchaseIsSixtyDaysOldAndANewPurchaseEndsIt() throws Exception {
        String lapsed = segment(Map.of("name", "Lapsed",
                "include", List.of(Map.of("event", "Purchase", "within_days", 180)),
                "exclude", List.of(Map.of("event", "Purchase", "within_days", 60))));
        String winBack = flow("win_back", lapsed, "false", 3, """
                [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "We miss you"}},
                 {"after_hours": 168, "creative": {"products": ["yoga-mat"], "headline": "Still here for you"}}]""");
        subscribe("iris");
        event("iris", EventType.PURCHASE, T0);
        assertThat(runAt(T0.plus(Duration.ofDays(59)))).isZero();
        assertThat(runAt(T0.plus(Duration.ofDays(60)).plusSeconds(1))).as("joins at purchase + 60 days").isEqualTo(1);
        assertThat(text(to("iris").getFirst())).contains("It has been a while.");
        event("iris", EventType.PURCHASE, T0.plus(Duration.ofDays(62)));
        assertThat(runAt(T0.plus(Duration.ofDays(68)))).isZero();
        assertThat(queue.state(JdbcEmailQueue.key(winBack, person("iris"), 1))).contains("exited");
        assertThat(to("iris")).hasSize(1);
    }

    @Test
    void theSmartSendingGapHoldsAcrossFlows() throws Exception {
        String viewers = segment(VIEWERS);
        flow("browse_abandonment", viewers, "false", 3, """
                [{"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "Still looking?"}}]""");
        subscribe("jack");
        event("jack", EventType.VIEW_CONTENT, T0);
        event("jack", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).as("two flows due, one email").isEqualTo(1);
        assertThat(runAt(T0.plus(Duration.ofHours(10)))).isZero();
        assertThat(runAt(T0.plus(Duration.ofHours(17).plusMinutes(2)))).isEqualTo(1);
        assertThat(to("jack")).hasSize(2);
    }

    @Test
    void theDailyCapIsOneCounterForEmailAndOnSitePlacements() throws Exception {
        String viewers = segment(VIEWERS);
        String both = flow("browse_abandonment", viewers, "true", 1, """
                [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "Still looking?"}},
                 {"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "Have another look"}}]""");
        subscribe("kate");
        event("kate", EventType.VIEW_CONTENT, T0);
        clock.set(T0.plus(Duration.ofMinutes(1)));
        HttpResponse<String> shown = http("GET", "/api/v1/stores/" + store + "/decide?visitor=kate&placement=home", key, null);
        assertThat(shown.body()).contains("\"reason\":\"reminder\"");
        // The on-site touch used today's only touch: the email waits for the next UTC day.
        assertThat(runAt(T0.plus(Duration.ofMinutes(2)))).isZero();
        assertThat(runAt(T0.plus(Duration.ofHours(13)))).isZero();
        Instant midnight = LocalDate.ofInstant(T0, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        assertThat(runAt(midnight.plusSeconds(1))).isEqualTo(1);
        // ... and the email used the next day's: the placement is capped.
        HttpResponse<String> capped = http("GET", "/api/v1/stores/" + store + "/decide?visitor=kate&placement=home", key, null);
        assertThat(capped.body()).contains("\"reason\":\"capped\"");
        assertThat(offers.shown(both, person("kate"), LocalDate.ofInstant(midnight, ZoneOffset.UTC))).isEqualTo(1);
    }

    @Test
    void anOfferEmailFollowsTheDecisionRules() throws Exception {
        product("cheap-mat", "Cheap mat", "20.00", "19.50");
        String viewers = segment(VIEWERS);
        String offer = """
                [{"after_hours": 1, "creative": {"products": ["%s"], "headline": "10 %% off"},
                  "offer": {"percent": 10, "expires_hours": 48}}]""";
        String guarded = flow("browse_abandonment", viewers, "true", 3, offer.formatted("cheap-mat"));
        subscribe("liam");
        event("liam", EventType.VIEW_CONTENT, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isZero();
        assertThat(queue.state(JdbcEmailQueue.key(guarded, person("liam"), 0))).as("margin guard").contains("no_offer");
        campaigns.delete(store, guarded);

        // A serial abandoner: an offer of the store was issued before this membership began.
        String other = flow("browse_abandonment", viewers, "true", 3, offer.formatted("yoga-mat"));
        subscribe("mia");
        event("mia", EventType.VIEW_CONTENT, T0.minus(Duration.ofDays(20)));
        offers.issue(other, store, person("mia"), 0, 10, T0.minus(Duration.ofDays(20)), T0.minus(Duration.ofDays(18)));
        clock.set(T0.plus(Duration.ofHours(2)));
        event("mia", EventType.VIEW_CONTENT, T0.plus(Duration.ofHours(2)));
        assertThat(runAt(T0.plus(Duration.ofHours(4)))).isZero();
        assertThat(queue.state(JdbcEmailQueue.key(other, person("mia"), 0))).contains("no_offer");

        // A first-time viewer gets a code, and the decision API shows the same one on site.
        subscribe("noah");
        event("noah", EventType.VIEW_CONTENT, T0.plus(Duration.ofHours(4)));
        assertThat(runAt(T0.plus(Duration.ofHours(5)).plusSeconds(1))).isEqualTo(1);
        List<IssuedOffer> issued = offers.offersOf(store, person("noah"));
        assertThat(issued).hasSize(1);
        assertThat(text(to("noah").getFirst())).contains("Your code: " + issued.getFirst().code());
        HttpResponse<String> onsite = http("GET", "/api/v1/stores/" + store + "/decide?visitor=noah&placement=home", key, null);
        assertThat(onsite.body()).contains("\"reason\":\"offer_active\"").contains(issued.getFirst().code());
    }

    @Test
    void erasingAVisitorRemovesTheirSendsSubscriberRowAndCodes() throws Exception {
        String viewers = segment(VIEWERS);
        String offerFlow = flow("browse_abandonment", viewers, "true", 3, """
                [{"after_hours": 1, "creative": {"products": ["yoga-mat"], "headline": "10 % off"},
                  "offer": {"percent": 10, "expires_hours": 48}},
                 {"after_hours": 48, "creative": {"products": ["yoga-mat"], "headline": "Last chance"}}]""");
        subscribe("olga");
        subscribe("pete");
        event("olga", EventType.VIEW_CONTENT, T0);
        event("pete", EventType.VIEW_CONTENT, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(2);
        String olga = person("olga");
        Set<String> hashes = Set.of(Pii.emailSha256(email("olga")));
        assertThat(queue.rowsOf(store, olga, hashes)).as("two sends and the subscriber").isEqualTo(3);
        assertThat(offers.offersOf(store, olga)).hasSize(1);

        assertThat(audiences.erase(store, "olga").personId()).isEqualTo(olga);

        assertThat(queue.rowsOf(store, olga, hashes)).isZero();
        assertThat(offers.offersOf(store, olga)).isEmpty();
        assertThat(offers.shown(offerFlow, olga, LocalDate.ofInstant(T0, ZoneOffset.UTC))).isZero();
        assertThat(queue.rowsOf(store, person("pete"), Set.of(Pii.emailSha256(email("pete"))))).as("others stay").isEqualTo(3);
        assertThat(offers.offersOf(store, person("pete"))).hasSize(1);
        assertThat(runAt(T0.plus(Duration.ofHours(50)))).as("only pete's step 2").isEqualTo(1);
    }
}
