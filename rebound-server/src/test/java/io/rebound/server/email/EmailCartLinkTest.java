package io.rebound.server.email;

import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.DemoShop;
import io.rebound.server.json.Json;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cart recovery link in abandoned-cart emails, over real SMTP: in both parts, signed, and when
 * followed over HTTP it redirects to the cart with the touch's code — the demo shop's cart for a store
 * whose platform is not configured, a Shopify cart permalink, or the shopper's own Shopify
 * {@code abandoned_checkout_url} from their latest CheckoutRecovery event.
 */
class EmailCartLinkTest extends EmailFlowFixture {
    private static final Pattern TEXT_LINK = Pattern.compile(
            "Back to your cart(?:, code applied)?: https://rebound\\.yoga\\.example(/r/[A-Za-z0-9_.-]+)\\s");
    private static final Pattern HTML_LINK = Pattern.compile(
            "<a data-rb=\"cart\" href=\"https://rebound\\.yoga\\.example(/r/[A-Za-z0-9_.-]+)\"");

    /** Runs the first touch (1 h). */
    private void runTheReminder() {
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isPositive();
    }

    /** Runs the other three touches: 17 h (the gap), 34 h, 72 h (the offer). */
    private void runTheRest() {
        assertThat(runAt(T0.plus(Duration.ofHours(17).plusMinutes(2)))).isPositive();
        assertThat(runAt(T0.plus(Duration.ofHours(34)))).isPositive();
        assertThat(runAt(T0.plus(Duration.ofHours(72)))).isPositive();
    }

    /** The link's path, the same in the text and the HTML part. */
    private static String link(MimeMessage m) throws Exception {
        MimeMultipart parts = (MimeMultipart) m.getContent();
        String text = (String) parts.getBodyPart(0).getContent();
        String html = (String) parts.getBodyPart(1).getContent();
        Matcher t = TEXT_LINK.matcher(text);
        Matcher h = HTML_LINK.matcher(html);
        assertThat(t.find()).as(text).isTrue();
        assertThat(h.find()).as(html).isTrue();
        assertThat(h.group(1)).isEqualTo(t.group(1));
        return t.group(1);
    }

    private String follow(String path) throws Exception {
        HttpResponse<String> r = http("GET", path, null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        return r.headers().firstValue("Location").orElseThrow();
    }

    private String code(String name) {
        List<IssuedOffer> issued = offers.offersOf(store, person(name));
        assertThat(issued).hasSize(1);
        return issued.getFirst().code();
    }

    @Test
    void withNoPlatformConfiguredTheLinkRestoresTheDemoShopCartAndTheOfferTouchAppliesItsCode() throws Exception {
        subscribe("alice");
        event("alice", EventType.ADD_TO_CART, T0);
        runTheReminder();
        assertThat(follow(link(to("alice").getFirst()))).as("a reminder: the cart, no code")
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1");
        runTheRest();
        List<MimeMessage> mails = to("alice");
        assertThat(mails).hasSize(4);
        assertThat(http("GET", link(mails.getFirst()), null, null).statusCode())
                .as("a reminder's link lasts 48 h").isEqualTo(410);
        assertThat(follow(link(mails.getLast()))).as("the offer touch: the cart with the code")
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1&discount=" + code("alice"));

        String tampered = link(mails.getLast()).replace("/r/e", "/r/f");
        assertThat(http("GET", tampered, null, null).statusCode()).as("an altered link").isEqualTo(400);
    }

    @Test
    void onShopifyTheShoppersAbandonedCheckoutUrlGetsTheCodeAndOthersGetACartPermalink() throws Exception {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO campaign_code_stores (store_id, platform, shop_url, api_version, mode, credentials, "
                        + "updated_at) VALUES (?, 'shopify', 'https://yoga-shop.myshopify.com', '2025-01', 'dry_run', "
                        + "'sealed', ?)")) {
            ps.setString(1, store);
            ps.setObject(2, OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
            ps.executeUpdate();
        }
        subscribe("alice");
        subscribe("bob");
        event("alice", EventType.ADD_TO_CART, T0);
        event("bob", EventType.ADD_TO_CART, T0);
        String older = "https://yoga-shop.myshopify.com/5501/checkouts/old/recover?key=k0";
        String latest = "https://yoga-shop.myshopify.com/5501/checkouts/c2a9/recover?key=k1";
        recovery("alice", older, T0.minus(Duration.ofMinutes(5)));
        recovery("alice", latest, T0);

        runTheReminder();
        assertThat(follow(link(to("alice").getFirst()))).as("the latest checkout, no code yet").isEqualTo(latest);
        assertThat(follow(link(to("bob").getFirst()))).as("no checkout: a cart permalink")
                .isEqualTo("https://yoga-shop.myshopify.com/cart/yoga-mat:1");
        runTheRest();
        assertThat(follow(link(to("alice").getLast()))).isEqualTo(latest + "&discount=" + code("alice"));
        assertThat(follow(link(to("bob").getLast())))
                .isEqualTo("https://yoga-shop.myshopify.com/cart/yoga-mat:1?discount=" + code("bob"));
    }

    @Test
    void theLinkRestoresWhatThePersonLeftInTheCartNotOnlyTheEmailsProducts() throws Exception {
        subscribe("erin");
        log.append(List.of(Event.builder(store, "cart-erin", EventType.ADD_TO_CART, T0, T0).anonymousId("erin")
                .emailHash(Pii.emailSha256(email("erin"))).products(List.of(
                        new Product("yoga-mat", "mats", new BigDecimal("68"), 1),
                        new Product("carry-strap", "straps", new BigDecimal("12"), 1))).build())).join();
        runtime.sync();
        runTheReminder();
        String location = follow(link(to("erin").getFirst()));
        assertThat(location).startsWith("/shop/cart/restore?items=");
        assertThat(location.substring("/shop/cart/restore?items=".length()).split(","))
                .containsExactlyInAnyOrder("yoga-mat:1", "carry-strap:1");
    }

    @Test
    void browseAbandonmentPostPurchaseAndWinBackEmailsCarryALinkFillingTheCartWithTheirProductsAndCode()
            throws Exception {
        JdbcCatalog catalog = new JdbcCatalog(database.dataSource(), clock);
        for (String id : List.of("yoga-block", "carry-strap")) {
            catalog.upsert(store, CatalogProduct.builder(id).title(id).description(id).link("https://shop.example/p/" + id)
                    .imageLink("https://shop.example/i/" + id + ".jpg")
                    .price(new BigDecimal("18.00"), "USD").availability(Availability.IN_STOCK).build());
        }
        String viewers = segment(Map.of("name", "Viewers", "include", List.of(Map.of("event", "ViewContent", "within_days", 14))));
        String buyers = segment(Map.of("name", "Buyers", "include", List.of(Map.of("event", "Purchase", "within_days", 30))));
        String lapsed = segment(Map.of("name", "Lapsed", "include", List.of(Map.of("event", "Purchase", "within_days", 180)),
                "exclude", List.of(Map.of("event", "Purchase", "within_days", 60))));
        flow("browse_abandonment", viewers, """
                [{"after_hours": 1, "creative": {"products": ["yoga-mat", "yoga-block"], "headline": "Still looking?"}},
                 {"after_hours": 48, "creative": {"products": ["yoga-mat"], "headline": "10 % off the mat"},
                  "offer": {"percent": 10, "expires_hours": 48}}]""");
        flow("post_purchase", buyers, """
                [{"after_hours": 2, "creative": {"products": ["yoga-block", "carry-strap"], "headline": "Complete your practice"}}]""");
        flow("win_back", lapsed, """
                [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "We miss you"}}]""");
        subscribe("gina");
        subscribe("hugo");
        event("gina", EventType.VIEW_CONTENT, T0);
        event("hugo", EventType.PURCHASE, T0);

        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        assertThat(follow(productsLink(to("gina").getFirst(), false))).as("browse abandonment: the email's products")
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1,yoga-block:1");
        assertThat(runAt(T0.plus(Duration.ofHours(2)))).isEqualTo(1);
        assertThat(follow(productsLink(to("hugo").getFirst(), false))).as("post-purchase: the products that go with it")
                .isEqualTo("/shop/cart/restore?items=yoga-block:1,carry-strap:1");
        assertThat(runAt(T0.plus(Duration.ofHours(48).plusMinutes(1)))).isEqualTo(1);
        String code = code("gina");
        String offerLink = productsLink(to("gina").getLast(), true);
        assertThat(follow(offerLink)).as("the offer touch: its code applied")
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1&discount=" + code);

        // The demo shop (the store has no code store) restores that cart with the code applied.
        io.vertx.ext.web.Router shopRouter = io.vertx.ext.web.Router.router(vertx);
        new DemoShop(DemoCatalog.yogaShop(), base, "wk").mount(shopRouter);
        int shopPort = vertx.createHttpServer().requestHandler(shopRouter).listen(0, "127.0.0.1").await().actualPort();
        HttpResponse<String> restored = HTTP.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + shopPort + follow(offerLink))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
        assertThat(restored.body()).contains("Everyday Yoga Mat").contains(code);

        assertThat(runAt(T0.plus(Duration.ofDays(60)).plusSeconds(1))).as("hugo's win-back").isEqualTo(1);
        assertThat(follow(productsLink(to("hugo").getLast(), false))).as("win-back")
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1");
        assertThat(http("GET", offerLink, null, null).statusCode()).as("the offer's link ends with its code")
                .isEqualTo(410);
    }

    private static final Pattern PRODUCTS_TEXT_LINK = Pattern.compile(
            "Put these in your cart(, code applied)?: https://rebound\\.yoga\\.example(/r/[A-Za-z0-9_.-]+)\\s");

    /** The link of a non-abandoned-cart email, the same in both parts, labelled with or without the code. */
    private static String productsLink(MimeMessage m, boolean withCode) throws Exception {
        MimeMultipart parts = (MimeMultipart) m.getContent();
        String text = (String) parts.getBodyPart(0).getContent();
        String html = (String) parts.getBodyPart(1).getContent();
        Matcher t = PRODUCTS_TEXT_LINK.matcher(text);
        Matcher h = HTML_LINK.matcher(html);
        assertThat(t.find()).as(text).isTrue();
        assertThat(t.group(1) != null).as("labelled with the code").isEqualTo(withCode);
        assertThat(h.find()).as(html).isTrue();
        assertThat(h.group(1)).isEqualTo(t.group(2));
        return t.group(2);
    }

    private String segment(Map<String, Object> json) {
        String id = audiences.createSegment(store, SegmentDefinitions.parse(json), null).id();
        runtime.backfillDone(store, id).join();
        return id;
    }

    private void flow(String flowName, String segmentId, String touches) throws Exception {
        campaigns.create(store, CampaignDefinitions.parse(Json.readUntrustedObject("""
                {"name": "%s", "flow": "%s", "segment_id": "%s", "channels": {"ads": [], "email": true, "onsite": false},
                 "touches": %s, "holdout_percent": 0}""".formatted(flowName, flowName, segmentId, touches))));
    }

    /** What the Shopify checkouts webhook files: a CheckoutRecovery event with the recovery URL. */
    private void recovery(String name, String url, Instant at) {
        log.append(List.of(Event.builder(store, "checkout-recovery-" + name + "-" + at.toEpochMilli(), EventType.CUSTOM,
                at, at).name("CheckoutRecovery").anonymousId(name).emailHash(Pii.emailSha256(email(name)))
                .properties(Map.of("abandoned_checkout_url", url, "store_platform", "shopify")).build())).join();
        runtime.sync();
    }
}
