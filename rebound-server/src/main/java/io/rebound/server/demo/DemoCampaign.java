package io.rebound.server.demo;

import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.collect.Pii;
import io.rebound.server.email.JdbcEmailQueue;

import javax.sql.DataSource;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The product brief's example campaign, set up by {@code rebound demo} once the demo catalog is in
 * Rebound's catalog (uploaded through the API by {@link DemoCatalogUpload}, so creatives show its
 * titles, prices and images): the segment "viewed the yoga mat in the
 * last 14 days and did not add it to the cart", and the campaign "Yoga mat viewers": a carousel of
 * the mat, a yoga block and a carry strap, a reminder at once (on-site and by email), then 10 % off
 * orders over $50 three days later, 10 % held out. The demo shoppers of {@link DemoShoppers} are
 * subscribed with consent, so the flow has someone to email (into the local mailbox).
 */
public final class DemoCampaign {
    /** The campaign's name; the demo creates it once. */
    public static final String NAME = "Yoga mat viewers";
    /** The products of the carousel, from the demo catalog. */
    public static final List<String> PRODUCTS = List.of("yoga-mat", "yoga-block", "carry-strap");
    /** The segment's product. */
    public static final String PRODUCT = "yoga-mat";
    static final int DAYS = 14;

    private DemoCampaign() {
    }

    /**
     * Creates the segment and the campaign unless they exist, and subscribes the demo shoppers.
     * Returns the campaign.
     */
    public static CampaignRecord ensure(DataSource dataSource, Audiences audiences, String storeId,
                                        Clock clock) {
        JdbcCampaigns campaigns = new JdbcCampaigns(dataSource, clock);
        JdbcEmailQueue queue = new JdbcEmailQueue(dataSource);
        for (String email : DemoShoppers.EMAILS) {
            String hash = Pii.emailSha256(email);
            if (!queue.suppressed(storeId, hash)) {
                queue.putSubscriber(storeId, hash, email, clock.instant());
            }
        }
        return campaigns.list(storeId).stream().filter(c -> NAME.equals(c.definition().name())).findFirst()
                .orElseGet(() -> campaigns.create(storeId, CampaignDefinitions.parse(
                        definition(segment(audiences, storeId).id()))));
    }

    /** The segment "viewed the yoga mat in the last 14 days, did not add it to the cart", made once. */
    static SegmentRecord segment(Audiences audiences, String storeId) {
        SegmentDefinition d = SegmentTemplates.productViewers(DAYS, new SegmentTemplates.Scope(PRODUCT, null));
        return audiences.segments(storeId).stream().filter(s -> s.definition().name().equals(d.name())).findFirst()
                .orElseGet(() -> audiences.createSegment(storeId, d, "product_viewers"));
    }

    /** The campaign as the API takes it (docs/campaigns.md, "The example"). */
    static Map<String, Object> definition(String segmentId) {
        Map<String, Object> offer = new LinkedHashMap<>();
        offer.put("percent", 10);
        offer.put("minimum_order", Map.of("amount", 50, "currency", DemoCatalog.CURRENCY));
        offer.put("expires_hours", 48);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", NAME);
        json.put("segment_id", segmentId);
        // Viewed and not carted: browse abandonment ("still thinking about…"), not "you left these in your cart".
        json.put("flow", "browse_abandonment");
        json.put("channels", Map.of("ads", List.of(), "email", true, "onsite", List.of("home_banner", "cart_drawer")));
        json.put("touches", List.of(
                Map.of("after_hours", 0, "creative", Map.of("products", PRODUCTS,
                        "headline", "Still thinking about the Everyday Yoga Mat?")),
                Map.of("after_hours", 72, "creative", Map.of("products", PRODUCTS,
                        "headline", "10 % off your practice, for 48 hours"), "offer", offer)));
        json.put("caps", Map.of("per_person_per_day", 3));
        json.put("holdout_percent", 10);
        return json;
    }
}
