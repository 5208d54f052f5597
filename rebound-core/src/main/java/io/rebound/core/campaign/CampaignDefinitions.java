package io.rebound.core.campaign;

import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.DefinitionParser;
import io.rebound.core.event.NumberLimits;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and writes the campaign JSON format (docs/campaigns.md) as the generic tree a JSON library
 * produces ({@code Map}, {@code List}, String, Number, Boolean), as
 * {@link io.rebound.core.segment.SegmentDefinitions} does for segments. Every problem is reported at
 * once with its field path, e.g. {@code touches[1].offer.percent}; unknown fields are errors. Every
 * list and text is bounded.
 */
public final class CampaignDefinitions {
    public static final int MAX_TOUCHES = 10;
    public static final int MAX_PRODUCTS = 10;
    public static final int MAX_ADS = 10;
    public static final int MAX_PLACEMENTS = 20;
    public static final int MAX_AFTER_HOURS = 2_160;
    public static final int MAX_EXPIRES_HOURS = 720;
    public static final int DEFAULT_CAP = 3;
    public static final int DEFAULT_HOLDOUT_BASIS_POINTS = 1_000;
    public static final String SEGMENT_PRODUCTS = "segment";

    private static final Set<String> TOP_KEYS =
            Set.of("name", "segment_id", "flow", "channels", "touches", "caps", "holdout_percent");
    private static final Set<String> CHANNEL_KEYS = Set.of("ads", "email", "onsite");
    private static final Set<String> TOUCH_KEYS = Set.of("after_hours", "creative", "offer");
    private static final Set<String> CREATIVE_KEYS = Set.of("products", "headline");
    private static final Set<String> OFFER_KEYS =
            Set.of("percent", "minimum_order", "expires_hours", "min_margin_percent");
    private static final Set<String> MONEY_KEYS = Set.of("amount", "currency");
    private static final Set<String> CAPS_KEYS = Set.of("per_person_per_day");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:~+-]{1,64}");
    private static final Pattern PLACEMENT = Pattern.compile("[a-z0-9_-]{1,50}");
    private static final int MAX_DEPTH = 8;

    private CampaignDefinitions() {
    }

    /** Parses a definition; throws {@link InvalidCampaignException} listing every violation. */
    public static CampaignDefinition parse(Map<String, Object> json) {
        Parser p = new Parser();
        return p.read(json, p::definition, InvalidCampaignException::new);
    }

    /** Writes {@code d} as a JSON tree; {@code parse(toJson(d))} equals {@code d}. */
    public static Map<String, Object> toJson(CampaignDefinition d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", d.name());
        out.put("segment_id", d.segmentId());
        if (d.flow() != Flow.ABANDONED_CART) {
            out.put("flow", d.flow().wireName());
        }
        Map<String, Object> channels = new LinkedHashMap<>();
        channels.put("ads", d.channels().ads());
        channels.put("email", d.channels().email());
        channels.put("onsite", d.channels().onsite() && !d.channels().placements().isEmpty()
                ? d.channels().placements() : d.channels().onsite());
        out.put("channels", channels);
        List<Object> touches = new ArrayList<>();
        for (Touch t : d.touches()) {
            Map<String, Object> touch = new LinkedHashMap<>();
            touch.put("after_hours", t.afterJoining().toHours());
            Map<String, Object> creative = new LinkedHashMap<>();
            creative.put("products", t.creative().segmentProducts() ? SEGMENT_PRODUCTS : t.creative().productIds());
            creative.put("headline", t.creative().headline());
            touch.put("creative", creative);
            if (t.offer() != null) {
                Offer o = t.offer();
                Map<String, Object> offer = new LinkedHashMap<>();
                offer.put("percent", o.percent());
                if (o.minimumOrder() != null) {
                    offer.put("minimum_order", Map.of("amount", o.minimumOrder().toPlainString(), "currency", o.currency()));
                }
                offer.put("expires_hours", o.expiresHours());
                offer.put("min_margin_percent", o.minMarginPercent());
                touch.put("offer", offer);
            }
            touches.add(touch);
        }
        out.put("touches", touches);
        out.put("caps", Map.of("per_person_per_day", d.capPerPersonPerDay()));
        int bp = d.holdoutBasisPoints();
        out.put("holdout_percent", bp % 100 == 0 ? (Object) (bp / 100) : BigDecimal.valueOf(bp, 2).stripTrailingZeros());
        return out;
    }

    /** Collects violations while building; parsing goes on after one so that all are reported. */
    private static final class Parser extends DefinitionParser {
        Parser() {
            super(MAX_DEPTH, "a campaign definition");
        }

        CampaignDefinition definition(Map<String, Object> json) {
            unknownKeys(json, TOP_KEYS, "");
            String name = text(json.get("name"), "name", 200, true, "a campaign name such as \"Yoga mat reminder\"");
            String segmentId = null;
            Object s = json.get("segment_id");
            if (!(s instanceof String sid) || !ID.matcher(sid).matches()) {
                fail("segment_id", "is required: the id of one of the store's segments");
            } else {
                segmentId = sid;
            }
            Flow flow = Flow.ABANDONED_CART;
            Object f = json.get("flow");
            if (f != null) {
                Optional<Flow> known = f instanceof String wire ? Flow.ofWireName(wire) : Optional.empty();
                if (known.isEmpty()) {
                    fail("flow", "must be one of abandoned_cart (the default), browse_abandonment, post_purchase, win_back");
                } else {
                    flow = known.get();
                }
            }
            Channels channels = channels(json.get("channels"));
            List<Touch> touches = touches(json.get("touches"));
            int cap = DEFAULT_CAP;
            Object caps = json.get("caps");
            if (caps != null) {
                if (!(caps instanceof Map<?, ?> c)) {
                    fail("caps", "must be an object such as {\"per_person_per_day\": 3}");
                } else {
                    unknownKeys(c, CAPS_KEYS, "caps");
                    if (c.get("per_person_per_day") != null) {
                        cap = whole(c.get("per_person_per_day"), "caps.per_person_per_day", 1, 100, DEFAULT_CAP);
                    }
                }
            }
            int holdout = DEFAULT_HOLDOUT_BASIS_POINTS;
            Object h = json.get("holdout_percent");
            if (h != null) {
                BigDecimal share = decimal(h);
                if (share == null || share.signum() < 0 || share.compareTo(BigDecimal.valueOf(50)) > 0
                        || share.stripTrailingZeros().scale() > 2) {
                    fail("holdout_percent", "must be a number from 0 to 50 with at most 2 decimals (default 10)");
                } else {
                    holdout = share.movePointRight(2).intValueExact();
                }
            }
            if (!violations().isEmpty()) {
                return null;
            }
            return new CampaignDefinition(name, segmentId, channels, touches, cap, holdout, flow);
        }

        Channels channels(Object raw) {
            if (!(raw instanceof Map<?, ?> c)) {
                fail("channels", "is required: an object such as {\"ads\": [], \"email\": false, \"onsite\": true}");
                return null;
            }
            unknownKeys(c, CHANNEL_KEYS, "channels");
            List<String> ads = List.of();
            if (c.get("ads") != null) {
                ads = strings(c.get("ads"), "channels.ads", MAX_ADS, ID, "a destination id");
            }
            boolean email = bool(c.get("email"), "channels.email");
            boolean onsite = false;
            List<String> placements = List.of();
            Object o = c.get("onsite");
            if (o instanceof List<?>) {
                placements = strings(o, "channels.onsite", MAX_PLACEMENTS, PLACEMENT,
                        "a placement name of lower-case letters, digits, _ and -");
                onsite = true;
                if (placements.isEmpty()) {
                    fail("channels.onsite", "must be true, false or a non-empty list of placement names");
                }
            } else {
                onsite = bool(o, "channels.onsite");
            }
            if (ads.isEmpty() && !email && !onsite) {
                fail("channels", "must enable at least one channel: ads destinations, email or onsite");
            }
            return new Channels(ads, email, onsite, placements);
        }

        List<Touch> touches(Object raw) {
            List<Touch> out = new ArrayList<>();
            if (!(raw instanceof List<?> list) || list.isEmpty()) {
                fail("touches", "is required: a list of 1 to " + MAX_TOUCHES + " touches, e.g. "
                        + "[{\"after_hours\": 0, \"creative\": {\"products\": \"segment\", \"headline\": \"Still thinking?\"}}]");
                return out;
            }
            if (list.size() > MAX_TOUCHES) {
                fail("touches", "must contain at most " + MAX_TOUCHES + " touches");
                return out;
            }
            long previous = -1;
            for (int i = 0; i < list.size(); i++) {
                String path = "touches[" + i + "]";
                if (!(list.get(i) instanceof Map<?, ?> t)) {
                    fail(path, "must be an object with after_hours, creative and optionally offer");
                    continue;
                }
                unknownKeys(t, TOUCH_KEYS, path);
                int after = whole(t.get("after_hours"), path + ".after_hours", 0, MAX_AFTER_HOURS, -1);
                if (after >= 0 && after <= previous) {
                    fail(path + ".after_hours", "must be later than the previous touch's (" + previous + ")");
                }
                if (after >= 0) {
                    previous = after;
                }
                Creative creative = creative(t.get("creative"), path + ".creative");
                Offer offer = t.get("offer") == null ? null : offer(t.get("offer"), path + ".offer");
                if (after >= 0 && creative != null) {
                    out.add(new Touch(Duration.ofHours(after), creative, offer));
                }
            }
            return out;
        }

        Creative creative(Object raw, String path) {
            if (!(raw instanceof Map<?, ?> c)) {
                fail(path, "is required: an object such as {\"products\": [\"yoga-mat\"], \"headline\": \"Still thinking?\"}");
                return null;
            }
            unknownKeys(c, CREATIVE_KEYS, path);
            String headline = text(c.get("headline"), path + ".headline", 200, true, "the text shown with the products");
            Object p = c.get("products");
            if (SEGMENT_PRODUCTS.equals(p)) {
                return new Creative(List.of(), true, headline);
            }
            if (!(p instanceof List<?> l) || l.isEmpty()) {
                fail(path + ".products", "is required: \"segment\" (the segment's products) or a list of 1 to "
                        + MAX_PRODUCTS + " product ids");
                return null;
            }
            List<String> ids = new ArrayList<>();
            if (l.size() > MAX_PRODUCTS) {
                fail(path + ".products", "must list at most " + MAX_PRODUCTS + " product ids");
            } else {
                for (int i = 0; i < l.size(); i++) {
                    if (!(l.get(i) instanceof String id) || !CatalogProduct.validId(id)) {
                        fail(path + ".products[" + i + "]", "must be a product id: 1 to 50 letters, digits or . _ - : ~ +");
                    } else if (ids.contains(id)) {
                        fail(path + ".products[" + i + "]", "repeats " + id);
                    } else {
                        ids.add(id);
                    }
                }
            }
            return new Creative(ids, false, headline);
        }

        Offer offer(Object raw, String path) {
            if (!(raw instanceof Map<?, ?> o)) {
                fail(path, "must be an object such as {\"percent\": 10, \"minimum_order\": {\"amount\": 50, "
                        + "\"currency\": \"USD\"}, \"expires_hours\": 48}");
                return null;
            }
            unknownKeys(o, OFFER_KEYS, path);
            int percent = whole(o.get("percent"), path + ".percent", 1, 90, -1);
            int expires = whole(o.get("expires_hours"), path + ".expires_hours", 1, MAX_EXPIRES_HOURS, -1);
            int margin = o.get("min_margin_percent") == null ? 0
                    : whole(o.get("min_margin_percent"), path + ".min_margin_percent", 0, 500, 0);
            BigDecimal minimum = null;
            String currency = null;
            Object m = o.get("minimum_order");
            if (m != null) {
                String mp = path + ".minimum_order";
                if (!(m instanceof Map<?, ?> money)) {
                    fail(mp, "must be an object such as {\"amount\": 50, \"currency\": \"USD\"}");
                } else {
                    unknownKeys(money, MONEY_KEYS, mp);
                    minimum = decimal(money.get("amount"));
                    if (minimum == null || minimum.signum() <= 0 || minimum.compareTo(NumberLimits.MAX_AMOUNT) >= 0) {
                        fail(mp + ".amount", "is required: a positive amount below 10^15, e.g. 50 or \"49.90\"");
                        minimum = null;
                    }
                    Currency c = null;
                    if (money.get("currency") instanceof String code && code.length() == 3) {
                        try {
                            c = Currency.getInstance(code.toUpperCase(java.util.Locale.ROOT));
                        } catch (IllegalArgumentException e) {
                            c = null;
                        }
                    }
                    if (c == null) {
                        fail(mp + ".currency", "is required: an ISO 4217 code such as USD");
                    } else {
                        currency = c.getCurrencyCode();
                        if (minimum != null && minimum.stripTrailingZeros().scale() > Math.max(0, c.getDefaultFractionDigits())) {
                            fail(mp + ".amount", "has more decimals than " + currency + " allows ("
                                    + c.getDefaultFractionDigits() + ")");
                        }
                    }
                }
            }
            if (percent < 0 || expires < 0) {
                return null;
            }
            return new Offer(percent, minimum, currency, expires, margin);
        }

        // ---- small readers ------------------------------------------------------------------

        void unknownKeys(Map<?, ?> map, Set<String> allowed, String path) {
            for (Object k : map.keySet()) {
                if (!allowed.contains(String.valueOf(k))) {
                    String field = path.isEmpty() ? String.valueOf(k) : path + "." + k;
                    fail(field, "is not a known field; allowed: " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        String text(Object raw, String field, int max, boolean required, String example) {
            if (raw == null && !required) {
                return null;
            }
            if (!(raw instanceof String s) || s.isBlank()) {
                fail(field, "is required: " + example);
                return null;
            }
            String t = s.strip();
            if (t.length() > max || t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0) {
                fail(field, "must be one line of at most " + max + " characters");
                return null;
            }
            return t;
        }

        boolean bool(Object raw, String field) {
            if (raw == null) {
                return false;
            }
            if (!(raw instanceof Boolean b)) {
                fail(field, "must be true or false");
                return false;
            }
            return b;
        }

        int whole(Object raw, String field, int min, int max, int dflt) {
            BigDecimal d = decimal(raw);
            boolean whole = d != null && d.stripTrailingZeros().scale() <= 0;
            if (!whole || d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
                fail(field, (raw == null ? "is required: " : "must be ") + "a whole number from " + min + " to " + max);
                return dflt;
            }
            return d.intValueExact();
        }

        List<String> strings(Object raw, String field, int max, Pattern pattern, String what) {
            if (!(raw instanceof List<?> l)) {
                fail(field, "must be a list of at most " + max + " values, each " + what);
                return List.of();
            }
            if (l.size() > max) {
                fail(field, "must list at most " + max + " values");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String s) || !pattern.matcher(s).matches()) {
                    fail(field + "[" + i + "]", "must be " + what);
                } else if (!out.contains(s)) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** A number given as a JSON number or a numeric string, or null. Ranges were checked before. */
    static BigDecimal decimal(Object raw) {
        return switch (raw) {
            case BigDecimal d -> d;
            case Integer i -> BigDecimal.valueOf(i);
            case Long l -> BigDecimal.valueOf(l);
            case Number n -> NumberLimits.parse(n.toString());
            case String s -> NumberLimits.parse(s.strip());
            case null, default -> null;
        };
    }
}
