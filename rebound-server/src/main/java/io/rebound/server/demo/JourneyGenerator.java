package io.rebound.server.demo;

import io.rebound.core.event.EventVocabulary;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Generates one visitor's journeys as Segment-shaped messages, from a seeded {@link Random}.
 *
 * <p>Funnel shape (share of visitors): 100% page views, ~60% view a product, ~15% add to cart,
 * ~6% start checkout, ~3% purchase — split into browse-only visitors, product viewers, cart
 * abandoners, checkout abandoners, abandoners who come back days later and buy, direct buyers
 * and repeat purchasers. Each visitor speaks one vocabulary (Meta standard events, GA4
 * ecommerce or Segment Ecommerce Spec v2) so the collector's mappings are all exercised.
 */
final class JourneyGenerator {

    enum Kind { BROWSER, VIEWER, CART_ABANDONER, CHECKOUT_ABANDONER, RETURNING_BUYER, DIRECT_BUYER, REPEAT_BUYER }

    enum Dialect { META, GA4, SEGMENT }

    private static final String[] USER_AGENTS = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    };

    private final DemoCatalog catalog;
    private final List<DemoProduct> products;
    private final Random random;
    private final String siteUrl;

    JourneyGenerator(DemoCatalog catalog, Random random, String siteUrl) {
        this.catalog = catalog;
        this.products = catalog.products();
        this.random = random;
        this.siteUrl = siteUrl;
    }

    Kind pickKind() {
        double r = random.nextDouble();
        if (r < 0.40) return Kind.BROWSER;
        if (r < 0.85) return Kind.VIEWER;
        if (r < 0.94) return Kind.CART_ABANDONER;
        if (r < 0.97) return Kind.CHECKOUT_ABANDONER;
        if (r < 0.982) return Kind.RETURNING_BUYER;
        if (r < 0.995) return Kind.DIRECT_BUYER;
        return Kind.REPEAT_BUYER;
    }

    /**
     * All messages of one visitor whose first visit starts at {@code start}; later visits
     * that would fall after {@code horizon} are left out. {@code gap} is the typical time
     * between two steps of a session.
     */
    List<SimulatedMessage> visitor(Instant start, Instant horizon, Duration gap) {
        Visitor v = new Visitor(start, horizon, gap);
        Kind kind = pickKind();
        v.land();
        switch (kind) {
            case BROWSER -> {
                for (int i = random.nextInt(3); i > 0; i--) v.page("/shop/categories/" + randomCategory(), "Category");
            }
            case VIEWER -> {
                for (int i = 1 + random.nextInt(3); i > 0; i--) v.view(randomProduct());
            }
            case CART_ABANDONER -> v.abandonCart(false);
            case CHECKOUT_ABANDONER -> v.abandonCart(true);
            case RETURNING_BUYER -> {
                List<DemoProduct> cart = v.abandonCart(random.nextBoolean());
                if (v.laterVisit(Duration.ofHours(24 + random.nextInt(24 * 6)), true)) {
                    v.view(cart.get(0));
                    v.buy(cart);
                }
            }
            case DIRECT_BUYER -> v.buy(v.fillCart());
            case REPEAT_BUYER -> {
                List<DemoProduct> first = v.buy(v.fillCart());
                List<DemoProduct> more = catalog.complementsOf(first.get(0).id());
                if (!more.isEmpty() && v.laterVisit(Duration.ofDays(4 + random.nextInt(14)), false)) {
                    DemoProduct next = more.get(random.nextInt(more.size()));
                    v.view(next);
                    v.add(next);
                    v.buy(List.of(next));
                }
            }
        }
        return v.messages;
    }

    private String randomCategory() {
        List<String> slugs = List.copyOf(catalog.categories().keySet());
        return slugs.get(random.nextInt(slugs.size()));
    }

    private DemoProduct randomProduct() {
        // The yoga mat is the hero product: it gets a quarter of all product views.
        return random.nextInt(4) == 0 ? catalog.find("yoga-mat").orElse(products.get(0))
                : products.get(random.nextInt(products.size()));
    }

    private UUID uuid() {
        return new UUID((random.nextLong() & ~0xF000L) | 0x4000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    /** One simulated person: identity, vocabulary, traffic source and a moving clock. */
    private final class Visitor {
        final List<SimulatedMessage> messages = new ArrayList<>();
        final String anonymousId = uuid().toString();
        final Dialect dialect = Dialect.values()[random.nextInt(10) < 5 ? 0 : random.nextBoolean() ? 1 : 2];
        final String userAgent = USER_AGENTS[random.nextInt(USER_AGENTS.length)];
        final Instant horizon;
        final Duration gap;
        Map<String, String> campaign = Map.of();
        Map<String, String> clickIds = Map.of();
        String landingQuery = "";
        String lastUrl = "";
        String email;
        String userId;
        Instant now;

        Visitor(Instant start, Instant horizon, Duration gap) {
            this.now = start;
            this.horizon = horizon;
            this.gap = gap;
            pickSource(false);
        }

        void pickSource(boolean retargeted) {
            int r = random.nextInt(100);
            String clickId = uuid().toString().replace("-", "");
            if (retargeted || r < 35) {
                source("facebook", retargeted ? "retargeting" : "paid_social", retargeted ? "rebound-cart" : "spring-flow", "fbclid", "IwAR" + clickId);
            } else if (r < 55) {
                source("google", "cpc", "yoga-mats-search", "gclid", "Cj0K" + clickId);
            } else if (r < 60) {
                source("tiktok", "paid_social", "mat-unboxing", "ttclid", "E.C.P." + clickId);
            } else if (r < 63) {
                source("pinterest", "paid_social", "studio-boards", "epik", "dj0y" + clickId);
            } else {
                campaign = Map.of();
                clickIds = Map.of();
                landingQuery = "";
            }
        }

        private void source(String src, String medium, String name, String clickKey, String clickId) {
            campaign = Map.of("source", src, "medium", medium, "name", name);
            clickIds = Map.of(clickKey, clickId);
            landingQuery = "?utm_source=" + src + "&utm_medium=" + medium + "&utm_campaign=" + name + "&" + clickKey + "=" + clickId;
        }

        void tick() {
            if (messages.isEmpty()) {
                return;
            }
            long base = gap.toMillis();
            now = now.plusMillis(base / 2 + (long) (random.nextDouble() * base));
        }

        boolean laterVisit(Duration after, boolean retargeted) {
            Instant next = now.plus(after).plusSeconds(random.nextInt(3600));
            if (next.isAfter(horizon)) {
                return false;
            }
            now = next;
            pickSource(retargeted);
            land();
            return true;
        }

        void land() {
            page("/shop/" + landingQuery, "Yoga equipment");
            landingQuery = "";
        }

        void page(String path, String title) {
            tick();
            Map<String, Object> m = base(dialect == Dialect.GA4 ? "track" : "page", "PageView");
            if (dialect == Dialect.GA4) {
                m.put("event", "page_view");
                m.put("properties", props("page_location", siteUrl + path, "page_title", title));
            } else {
                m.put("name", title);
                m.put("properties", props("path", stripQuery(path), "url", siteUrl + path, "title", title, "referrer", lastUrl));
            }
            context(m, path, title);
            lastUrl = siteUrl + path;
            emit("PageView", m);
        }

        void view(DemoProduct p) {
            page(p.pagePath(), p.name());
            track(p.pagePath(), p.name(), "ViewContent", List.of(p), null);
        }

        DemoProduct add(DemoProduct p) {
            tick();
            track(p.pagePath(), p.name(), "AddToCart", List.of(p), null);
            return p;
        }

        List<DemoProduct> fillCart() {
            List<DemoProduct> cart = new ArrayList<>();
            for (int i = 1 + (random.nextInt(3) == 0 ? 1 : 0); i > 0; i--) {
                DemoProduct p = randomProduct();
                if (!cart.contains(p)) {
                    view(p);
                    cart.add(add(p));
                }
            }
            return cart;
        }

        List<DemoProduct> abandonCart(boolean reachCheckout) {
            List<DemoProduct> cart = fillCart();
            if (cart.size() > 1 && random.nextInt(5) == 0) {
                DemoProduct removed = cart.remove(cart.size() - 1);
                page("/shop/cart", "Your cart");
                track("/shop/cart", "Your cart", "RemoveFromCart", List.of(removed), null);
            }
            if (reachCheckout) {
                checkout(cart);
            }
            return cart;
        }

        void checkout(List<DemoProduct> cart) {
            page("/shop/checkout", "Checkout");
            track("/shop/checkout", "Checkout", "InitiateCheckout", cart, null);
            identify();
        }

        List<DemoProduct> buy(List<DemoProduct> cart) {
            checkout(cart);
            String orderId = "ord_sim_" + uuid().toString().substring(0, 13).replace("-", "");
            page("/shop/orders/" + orderId, "Thank you");
            track("/shop/orders/" + orderId, "Thank you", "Purchase", cart, orderId);
            return cart;
        }

        void identify() {
            tick();
            if (email == null) {
                int n = random.nextInt(1_000_000);
                email = "shopper" + n + "@example.com";
                userId = random.nextBoolean() ? "cust_" + n : null;
            }
            Map<String, Object> m = base("identify", "Identify");
            if (userId != null) {
                m.put("userId", userId);
            }
            // Segment clients send traits in the clear to the store's own collector; the pixel never does.
            m.put("traits", dialect == Dialect.SEGMENT ? props("email", email) : props("email_sha256", sha256(email)));
            context(m, "/shop/checkout", "Checkout");
            emit("Identify", m);
        }

        void track(String path, String title, String canonical, List<DemoProduct> items, String orderId) {
            tick();
            Map<String, Object> m = base("track", canonical);
            String name = eventName(canonical);
            m.put("event", name);
            if (orderId != null) {
                m.put("messageId", orderId);
            }
            if (userId != null) {
                m.put("userId", userId);
            }
            m.put("properties", properties(canonical, items, orderId));
            context(m, path, title);
            emit(EventVocabulary.typeOf(name).canonicalName(), m);
        }

        private String eventName(String canonical) {
            return switch (dialect) {
                case META -> canonical;
                case GA4 -> switch (canonical) {
                    case "ViewContent" -> "view_item";
                    case "AddToCart" -> "add_to_cart";
                    case "RemoveFromCart" -> "remove_from_cart";
                    case "InitiateCheckout" -> "begin_checkout";
                    case "Purchase" -> "purchase";
                    default -> canonical;
                };
                case SEGMENT -> switch (canonical) {
                    case "ViewContent" -> "Product Viewed";
                    case "AddToCart" -> "Product Added";
                    case "RemoveFromCart" -> "Product Removed";
                    case "InitiateCheckout" -> "Checkout Started";
                    case "Purchase" -> "Order Completed";
                    default -> canonical;
                };
            };
        }

        private Map<String, Object> properties(String canonical, List<DemoProduct> items, String orderId) {
            BigDecimal value = items.stream().map(DemoProduct::price).reduce(BigDecimal.ZERO, BigDecimal::add);
            Map<String, Object> p = new LinkedHashMap<>();
            switch (dialect) {
                case META -> {
                    p.put("content_ids", items.stream().map(DemoProduct::id).toList());
                    p.put("content_type", "product");
                    p.put("contents", items.stream().map(i -> props("id", i.id(), "quantity", 1, "item_price", i.price())).toList());
                    if (items.size() == 1) {
                        p.put("content_category", items.get(0).category());
                    }
                    if (canonical.equals("InitiateCheckout") || canonical.equals("Purchase")) {
                        p.put("num_items", items.size());
                    }
                }
                case GA4 -> {
                    if (orderId != null) {
                        p.put("transaction_id", orderId);
                    }
                    p.put("items", items.stream().map(i -> props("item_id", i.id(), "item_name", i.name(),
                            "item_category", i.category(), "price", i.price(), "quantity", 1)).toList());
                }
                case SEGMENT -> {
                    if (orderId != null) {
                        p.put("order_id", orderId);
                        p.put("total", value);
                        p.put("revenue", value);
                    }
                    if (items.size() == 1 && orderId == null && !canonical.equals("InitiateCheckout")) {
                        DemoProduct i = items.get(0);
                        p.putAll(props("product_id", i.id(), "sku", i.id(), "name", i.name(), "category", i.category(),
                                "price", i.price(), "quantity", 1));
                    } else {
                        p.put("products", items.stream().map(i -> props("product_id", i.id(), "name", i.name(),
                                "category", i.category(), "price", i.price(), "quantity", 1)).toList());
                    }
                }
            }
            p.put("value", value);
            p.put("currency", DemoCatalog.CURRENCY);
            return p;
        }

        private Map<String, Object> base(String type, String canonical) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("messageId", uuid().toString());
            m.put("anonymousId", anonymousId);
            if (userId != null && !"Identify".equals(canonical)) {
                m.put("userId", userId);
            }
            m.put("timestamp", now.toString());
            return m;
        }

        private void context(Map<String, Object> m, String path, String title) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("userAgent", userAgent);
            c.put("locale", "en-US");
            c.put("page", props("url", siteUrl + path, "path", stripQuery(path), "title", title, "referrer", lastUrl));
            if (!campaign.isEmpty()) {
                c.put("campaign", campaign);
            }
            if (!clickIds.isEmpty()) {
                c.put("clickIds", clickIds);
            }
            c.put("library", props("name", "rebound-simulator", "version", "1"));
            m.put("context", c);
        }

        private void emit(String canonical, Map<String, Object> m) {
            messages.add(new SimulatedMessage(canonical, now, m));
        }
    }

    private static String stripQuery(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static String sha256(String email) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(email.trim().toLowerCase(java.util.Locale.ROOT)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
