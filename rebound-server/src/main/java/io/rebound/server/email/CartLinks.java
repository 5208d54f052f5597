package io.rebound.server.email;

import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.server.audience.Audiences;
import io.rebound.server.campaign.RecoveryLinks;
import io.rebound.server.webhooks.OrderMessages;

import javax.sql.DataSource;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The cart link of a flow email: a signed {@code /r/<token>} link ({@link RecoveryLinks}) that fills
 * the cart with the touch's code applied. In an abandoned-cart email ({@link #link}) the cart is the
 * person's — the products they left in it (their latest cart event of each is an add), else the
 * email's products, one of each; in the other flows' emails ({@link #productsLink}: browse
 * abandonment, post-purchase, win-back) it is the email's products, one of each. The
 * cart is made for the store's platform as its code store is configured (Shopify or WooCommerce with
 * the shop's URL, table {@code campaign_code_stores}); a store with none gets what the recovery-link
 * API makes without a {@code shop_url}: the demo shop on this server. On Shopify, a shopper whose
 * latest {@code CheckoutRecovery} event (from the checkouts webhook) holds an
 * {@code abandoned_checkout_url} is sent to that URL, with {@code discount=CODE} added (abandoned-cart
 * emails only: the other flows show other products than the checkout holds).
 *
 * @param links      what signs a link
 * @param dataSource the database of the code store connections
 * @param audiences  the persons' ids and events
 * @param publicUrl  the server's public base URL, where links point
 */
public record CartLinks(RecoveryLinks links, DataSource dataSource, Audiences audiences, URI publicUrl) {
    /** A link without a code lives this long; one with a code, as long as the code. */
    static final Duration REMINDER_LINK_LIFE = Duration.ofHours(RecoveryLinks.DEFAULT_EXPIRES_HOURS);
    private static final int TIMELINE_LIMIT = 1_000;
    /** The ids a recovery link takes (as its API does). */
    private static final java.util.regex.Pattern VALID_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{1,100}");

    /**
     * The link for the person's email, or empty when there are no products to put in the cart.
     *
     * @param carted    the product ids the person left in the cart (empty: the email's {@code products})
     * @param code      the touch's code, or null
     * @param expiresAt when the code expires (ignored without a code)
     */
    public Optional<String> link(String storeId, String personId, List<String> carted, List<CatalogProduct> products,
                                 String code, Instant expiresAt, Instant now) {
        List<String> ids = carted.isEmpty() ? products.stream().map(CatalogProduct::id).toList() : carted;
        return make(storeId, personId, ids, code, expiresAt, now);
    }

    /**
     * The link that puts the email's products in the cart, one of each, with the touch's code (null:
     * none); empty when the email shows no product a link can take. No Shopify checkout URL: the email's
     * products are not the checkout's.
     */
    public Optional<String> productsLink(String storeId, List<CatalogProduct> products, String code, Instant expiresAt,
                                         Instant now) {
        return make(storeId, null, products.stream().map(CatalogProduct::id).toList(), code, expiresAt, now);
    }

    /** {@code checkoutOf}: the person whose Shopify checkout the link may go to, or null for none. */
    private Optional<String> make(String storeId, String checkoutOf, List<String> ids, String code, Instant expiresAt,
                                  Instant now) {
        List<RecoveryLinks.Line> lines = new ArrayList<>();
        for (String id : ids) {
            if (lines.size() < RecoveryLinks.MAX_LINES && VALID_ID.matcher(id).matches()
                    && lines.stream().noneMatch(l -> l.id().equals(id))) {
                lines.add(new RecoveryLinks.Line(id, 1));
            }
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        RecoveryLinks.Platform platform = RecoveryLinks.Platform.DEMO;
        String shopUrl = "";
        Optional<String[]> configured = codeStore(storeId);
        if (configured.isPresent()) {
            platform = RecoveryLinks.Platform.valueOf(configured.get()[0].toUpperCase(Locale.ROOT));
            shopUrl = configured.get()[1];
        }
        String checkout = platform == RecoveryLinks.Platform.SHOPIFY && checkoutOf != null
                ? checkoutUrl(storeId, checkoutOf) : null;
        Instant expiry = code != null && expiresAt != null ? expiresAt : now.plus(REMINDER_LINK_LIFE);
        String token = links.sign(new RecoveryLinks.Cart(storeId, platform, shopUrl, lines, code, expiry, checkout));
        return Optional.of(publicUrl.toString().replaceAll("/+$", "") + "/r/" + token);
    }

    /** The shopper's latest Shopify recovery URL, or null. */
    private String checkoutUrl(String storeId, String personId) {
        PersonIds ids = audiences.reader().ids(storeId, personId);
        Event latest = null;
        List<String> visitors = new ArrayList<>(ids.anonymousIds());
        visitors.addAll(ids.userIds());
        for (String visitor : visitors) {
            for (Event e : audiences.timeline(storeId, visitor, TIMELINE_LIMIT).orElse(List.of())) {
                if (e.type() == EventType.CUSTOM && OrderMessages.RECOVERY_EVENT.equals(e.name())
                        && e.properties() != null && e.properties().get(OrderMessages.RECOVERY_URL) instanceof String u
                        && u.startsWith("https://") && u.length() <= 1000
                        && (latest == null || e.eventTime().isAfter(latest.eventTime()))) {
                    latest = e;
                }
            }
        }
        return latest == null ? null : (String) latest.properties().get(OrderMessages.RECOVERY_URL);
    }

    /** The store's code store platform and shop URL, when one is configured as Shopify or WooCommerce. */
    private Optional<String[]> codeStore(String storeId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT platform, shop_url FROM campaign_code_stores WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && List.of("shopify", "woocommerce").contains(rs.getString(1)) && rs.getString(2) != null) {
                    return Optional.of(new String[]{rs.getString(1), rs.getString(2)});
                }
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("read the code store of " + storeId + ": " + e.getMessage(), e);
        }
    }
}
