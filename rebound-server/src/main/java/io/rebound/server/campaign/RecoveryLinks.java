package io.rebound.server.campaign;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.JsonName;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.event.Violation;
import io.rebound.server.json.Json;
import io.rebound.server.meta.SignedTokens;

import javax.sql.DataSource;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Cart recovery links: a link that restores a shopper's cart in the store with a discount code
 * applied. Rebound's link ({@code /r/<token>}) carries the store, the store's platform and URL, the
 * cart lines, the code and an expiry, signed with HMAC-SHA256 under a key made once in the metadata
 * database; following it checks the signature and the expiry and redirects to the store's own cart
 * URL:
 * <ul>
 *   <li>the demo shop: {@code /shop/cart/restore?items=yoga-mat:1,carry-strap:1&discount=CODE};</li>
 *   <li>Shopify: a cart permalink {@code https://shop/cart/<variant>:<qty>,…?discount=CODE};</li>
 *   <li>WooCommerce: {@code https://shop/cart/?add-to-cart=<id>&quantity=<qty>&coupon_code=CODE} (one line
 *       natively; several as {@code add-to-cart=<id>:<qty>,…}, see docs/campaigns.md).</li>
 * </ul>
 * A tampered link and an expired one are refused, so a code cannot be re-attached to another cart
 * or used past the link's life through it. A link lives at most as long as a code may
 * ({@link CampaignDefinitions#MAX_EXPIRES_HOURS}): it is valid as long as the code it carries.
 */
public final class RecoveryLinks {
    public static final int MAX_LINES = 50;
    public static final int MAX_QUANTITY = 99;
    public static final int DEFAULT_EXPIRES_HOURS = 48;
    public static final int MAX_TOKEN_CHARS = 4096;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,100}");
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The store's platform: what its cart URL looks like. */
    public enum Platform implements JsonName {
        DEMO, SHOPIFY, WOOCOMMERCE
    }

    /** One cart line: a product id (Shopify: the variant id) and a quantity. */
    public record Line(String id, int quantity) {
    }

    /**
     * What a link restores.
     *
     * @param shopUrl the store's base URL (empty for the demo shop on this server)
     * @param code        the discount code, or null
     * @param checkoutUrl the shop's own recovery URL for this shopper (Shopify's {@code abandoned_checkout_url}),
     *                    which the link goes to instead of a cart made from the lines; null: none
     */
    public record Cart(String storeId, Platform platform, String shopUrl, List<Line> lines, String code,
                       Instant expiresAt, String checkoutUrl) {
        public Cart {
            lines = List.copyOf(lines);
        }

        /** A cart made from its lines (no recovery URL of the shop's). */
        public Cart(String storeId, Platform platform, String shopUrl, List<Line> lines, String code, Instant expiresAt) {
            this(storeId, platform, shopUrl, lines, code, expiresAt, null);
        }
    }

    /** What following a link found. */
    public sealed interface Followed {
    }

    /** A good link: redirect to {@code target}. */
    public record Valid(Cart cart, String target) implements Followed {
    }

    /** A link past its expiry. */
    public record Expired(Instant expiredAt) implements Followed {
    }

    /** Not a link Rebound signed, or altered since. */
    public record Invalid() implements Followed {
    }

    private final SignedTokens tokens;

    public RecoveryLinks(byte[] key) {
        this.tokens = new SignedTokens(key);
    }

    /** The token for {@code cart}. */
    public String sign(Cart cart) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("s", cart.storeId());
        body.put("p", cart.platform().json());
        body.put("u", cart.shopUrl());
        body.put("i", cart.lines().stream().map(l -> List.of(l.id(), l.quantity())).toList());
        if (cart.code() != null) {
            body.put("c", cart.code());
        }
        body.put("x", cart.expiresAt().getEpochSecond());
        if (cart.checkoutUrl() != null) {
            body.put("k", cart.checkoutUrl());
        }
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a recovery link", e);
        }
        return tokens.sign(bytes);
    }

    /** Checks a token at {@code now}: the signature first, then the expiry. */
    public Followed follow(String token, Instant now) {
        Optional<byte[]> body = tokens.open(token, MAX_TOKEN_CHARS);
        if (body.isEmpty()) {
            return new Invalid();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body.get());
            List<Line> lines = new ArrayList<>();
            for (JsonNode l : n.path("i")) {
                lines.add(new Line(l.path(0).asText(), l.path(1).asInt()));
            }
            Cart cart = new Cart(n.path("s").asText(), Platform.valueOf(n.path("p").asText().toUpperCase(Locale.ROOT)),
                    n.path("u").asText(), lines, n.hasNonNull("c") ? n.path("c").asText() : null,
                    Instant.ofEpochSecond(n.path("x").asLong()), n.hasNonNull("k") ? n.path("k").asText() : null);
            if (!now.isBefore(cart.expiresAt())) {
                return new Expired(cart.expiresAt());
            }
            return new Valid(cart, target(cart));
        } catch (IllegalArgumentException | java.io.IOException e) {
            return new Invalid();
        }
    }

    /** The store's own cart URL for {@code cart}, with the code. */
    public static String target(Cart cart) {
        String base = cart.shopUrl().replaceAll("/+$", "");
        String code = cart.code() == null ? null : URLEncoder.encode(cart.code(), StandardCharsets.UTF_8);
        if (cart.checkoutUrl() != null) {
            // Shopify applies a discount code given as ?discount=CODE on a checkout or cart URL.
            return cart.checkoutUrl() + (code == null ? "" : (cart.checkoutUrl().contains("?") ? "&" : "?")
                    + "discount=" + code);
        }
        String items = cart.lines().stream().map(l -> enc(l.id()) + ":" + l.quantity()).collect(Collectors.joining(","));
        return switch (cart.platform()) {
            case DEMO -> base + "/shop/cart/restore?items=" + items + (code == null ? "" : "&discount=" + code);
            case SHOPIFY -> base + "/cart/" + items + (code == null ? "" : "?discount=" + code);
            case WOOCOMMERCE -> base + "/cart/?add-to-cart=" + (cart.lines().size() == 1
                    ? enc(cart.lines().getFirst().id()) + "&quantity=" + cart.lines().getFirst().quantity() : items)
                    + (code == null ? "" : "&coupon_code=" + code);
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * The API's request body as a cart of {@code storeId}, created at {@code now}; every problem is a
     * violation naming its field.
     */
    public static Cart parse(String storeId, Map<String, Object> json, Instant now, List<Violation> problems) {
        for (String k : json.keySet()) {
            if (!List.of("platform", "shop_url", "items", "code", "expires_hours").contains(k)) {
                problems.add(new Violation(k, "is not a field of a recovery link (platform, shop_url, items, code, expires_hours)"));
            }
        }
        Platform platform = null;
        if (json.get("platform") instanceof String p && List.of("demo", "shopify", "woocommerce").contains(p)) {
            platform = Platform.valueOf(p.toUpperCase(Locale.ROOT));
        } else {
            problems.add(new Violation("platform", "must be \"shopify\", \"woocommerce\" or \"demo\""));
        }
        String shopUrl = "";
        Object u = json.get("shop_url");
        if (u != null || (platform != null && platform != Platform.DEMO)) {
            if (!(u instanceof String s) || !httpUrl(s)) {
                problems.add(new Violation("shop_url", "must be the store's http(s) base URL, e.g. https://shop.example"
                        + (platform == Platform.DEMO ? " (or left out for the demo shop on this server)" : "")));
            } else {
                shopUrl = s;
            }
        }
        List<Line> lines = new ArrayList<>();
        if (!(json.get("items") instanceof List<?> items) || items.isEmpty() || items.size() > MAX_LINES) {
            problems.add(new Violation("items", "must be a list of 1 to " + MAX_LINES + " {\"id\", \"quantity\"} objects"));
        } else {
            for (int i = 0; i < items.size(); i++) {
                String f = "items[" + i + "]";
                if (!(items.get(i) instanceof Map<?, ?> item)) {
                    problems.add(new Violation(f, "must be an object {\"id\", \"quantity\"}"));
                    continue;
                }
                Object id = item.get("id");
                Object q = item.containsKey("quantity") ? item.get("quantity") : 1;
                boolean okId = id instanceof String s && ID.matcher(s).matches();
                boolean okQ = q instanceof Integer n && n >= 1 && n <= MAX_QUANTITY;
                if (!okId) {
                    problems.add(new Violation(f + ".id", "must be a product id (Shopify: the variant id), 1..100 of "
                            + "letters, digits, . _ ~ -"));
                }
                if (!okQ) {
                    problems.add(new Violation(f + ".quantity", "must be a whole number from 1 to " + MAX_QUANTITY));
                }
                if (okId && okQ) {
                    lines.add(new Line((String) id, (Integer) q));
                }
            }
        }
        String code = null;
        if (json.get("code") != null) {
            if (json.get("code") instanceof String c && CODE.matcher(c).matches()) {
                code = c;
            } else {
                problems.add(new Violation("code", "must be a discount code of 1..64 letters, digits, _ or -"));
            }
        }
        int hours = DEFAULT_EXPIRES_HOURS;
        if (json.containsKey("expires_hours")) {
            if (json.get("expires_hours") instanceof Integer h && h >= 1 && h <= CampaignDefinitions.MAX_EXPIRES_HOURS) {
                hours = h;
            } else {
                problems.add(new Violation("expires_hours", "must be a whole number from 1 to "
                        + CampaignDefinitions.MAX_EXPIRES_HOURS + " (default " + DEFAULT_EXPIRES_HOURS + ")"));
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new Cart(storeId, platform, shopUrl, lines, code, now.plusSeconds(hours * 3600L));
    }

    private static boolean httpUrl(String s) {
        if (s.length() > 500) {
            return false;
        }
        try {
            URI uri = new URI(s);
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getFragment() == null && uri.getUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** The signing key: made by the first node that needs it (table campaign_keys, V18), the same for all after. */
    public static byte[] key(DataSource dataSource) {
        Optional<String> existing = secret(dataSource);
        if (existing.isEmpty()) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO campaign_keys (name, secret) SELECT 'recovery', ? WHERE NOT EXISTS "
                            + "(SELECT 1 FROM campaign_keys WHERE name = 'recovery')")) {
                ps.setString(1, Base64.getEncoder().encodeToString(fresh));
                ps.executeUpdate();
            } catch (SQLException e) {
                // Another node inserted it at the same moment: read theirs below.
                if (!"23505".equals(e.getSQLState())) {
                    throw JdbcCampaigns.failure("make the recovery link key", e);
                }
            }
            existing = secret(dataSource);
        }
        return Base64.getDecoder().decode(existing.orElseThrow());
    }

    private static Optional<String> secret(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT secret FROM campaign_keys WHERE name = 'recovery'");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read the recovery link key", e);
        }
    }
}
