package io.rebound.server.email;

import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.collect.Pii;
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

    /** What the Shopify checkouts webhook files: a CheckoutRecovery event with the recovery URL. */
    private void recovery(String name, String url, Instant at) {
        log.append(List.of(Event.builder(store, "checkout-recovery-" + name + "-" + at.toEpochMilli(), EventType.CUSTOM,
                at, at).name("CheckoutRecovery").anonymousId(name).emailHash(Pii.emailSha256(email(name)))
                .properties(Map.of("abandoned_checkout_url", url, "store_platform", "shopify")).build())).join();
        runtime.sync();
    }
}
