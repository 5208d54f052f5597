package io.rebound.server.dashboard;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.campaign.InvalidCampaignException;
import io.rebound.core.event.Violation;
import io.vertx.core.MultiMap;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The dashboard's "new campaign" form turned into the campaign JSON of docs/campaigns.md: a reminder
 * touch at once and, when an offer delay is given, an offer touch after it; the rules are the core's
 * ({@link CampaignDefinitions#parse}), nothing is validated twice. Violations come back keyed by the
 * form's input names, for inline messages.
 */
final class CampaignForms {
    /** The form's inputs, in order; their values are kept after a refused submit. */
    static final List<String> INPUTS = List.of("name", "segment_id", "template", "days", "product_id", "products",
            "headline", "offer_after_hours", "offer_headline", "offer_percent", "offer_minimum", "offer_currency",
            "offer_expires_hours", "email", "onsite", "cap", "holdout_percent");
    /** Defaults shown in an empty form: the seed's sequence. */
    static final Map<String, String> DEFAULTS = Map.ofEntries(Map.entry("template", "product_viewers"),
            Map.entry("headline", "Still thinking about it?"), Map.entry("offer_after_hours", "72"),
            Map.entry("offer_headline", "10 % off, for 48 hours"), Map.entry("offer_percent", "10"),
            Map.entry("offer_minimum", "50"), Map.entry("offer_currency", "USD"), Map.entry("offer_expires_hours", "48"),
            Map.entry("onsite", "on"), Map.entry("cap", "3"), Map.entry("holdout_percent", "10"));

    /**
     * The form's result.
     *
     * @param definition the campaign (its segment id a placeholder when the segment is still to be made), or null
     * @param errors     input name → message; empty when accepted
     */
    record Outcome(CampaignDefinition definition, Map<String, String> errors) {
        boolean ok() {
            return definition != null;
        }
    }

    private CampaignForms() {
    }

    /** The submitted values by input name (absent ones empty). */
    static Map<String, String> values(MultiMap form) {
        Map<String, String> v = new LinkedHashMap<>();
        for (String input : INPUTS) {
            String s = form.get(input);
            v.put(input, s == null ? "" : s.strip());
        }
        return v;
    }

    /** Parses the form; {@code segmentId} is the segment the campaign will follow. */
    static Outcome parse(Map<String, String> v, String segmentId) {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", v.get("name"));
        json.put("segment_id", segmentId);
        json.put("channels", Map.of("ads", List.of(), "email", "on".equals(v.get("email")),
                "onsite", "on".equals(v.get("onsite"))));
        Object products;
        if (!v.get("products").isEmpty()) {
            products = Arrays.stream(v.get("products").split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
        } else if (!v.get("product_id").isEmpty()) {
            products = CampaignDefinitions.SEGMENT_PRODUCTS;
        } else {
            products = null;
            errors.put("products", "Name the products to show (ids from your catalog), or narrow the segment to a product.");
        }
        List<Map<String, Object>> touches = new ArrayList<>();
        touches.add(Map.of("after_hours", 0, "creative", creative(products, v.get("headline"))));
        if (!v.get("offer_after_hours").isEmpty()) {
            Map<String, Object> offer = new LinkedHashMap<>();
            offer.put("percent", number(v, "offer_percent", errors));
            if (!v.get("offer_minimum").isEmpty()) {
                offer.put("minimum_order", map("amount", number(v, "offer_minimum", errors),
                        "currency", v.get("offer_currency")));
            }
            offer.put("expires_hours", number(v, "offer_expires_hours", errors));
            touches.add(map("after_hours", number(v, "offer_after_hours", errors),
                    "creative", creative(products, v.get("offer_headline")), "offer", offer));
        }
        json.put("touches", touches);
        if (!v.get("cap").isEmpty()) {
            json.put("caps", map("per_person_per_day", number(v, "cap", errors)));
        }
        if (!v.get("holdout_percent").isEmpty()) {
            json.put("holdout_percent", number(v, "holdout_percent", errors));
        }
        if (!errors.isEmpty()) {
            return new Outcome(null, errors);
        }
        try {
            return new Outcome(CampaignDefinitions.parse(json), Map.of());
        } catch (InvalidCampaignException e) {
            for (Violation violation : e.violations()) {
                errors.merge(input(violation.field()), violation.message(), (a, b) -> a + "; " + b);
            }
            return new Outcome(null, errors);
        }
    }

    /** A map that, unlike {@code Map.of}, takes the null of a number input that was not one. */
    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> creative(Object products, String headline) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("products", products);
        c.put("headline", headline);
        return c;
    }

    /** A number input as a JSON number; a placeholder string (rejected by the core with its field) when it is not one. */
    private static Object number(Map<String, String> v, String input, Map<String, String> errors) {
        String s = v.get(input);
        if (s.isEmpty()) {
            errors.put(input, "Enter a number.");
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(s);
            return d.scale() <= 0 ? (Object) d.intValueExact() : d;
        } catch (NumberFormatException | ArithmeticException e) {
            errors.put(input, "Enter a number, e.g. " + DEFAULTS.getOrDefault(input, "10") + ".");
            return null;
        }
    }

    /** A form input and the violation fields it answers for. */
    private record FieldInput(Predicate<String> matches, String input) {
    }

    /** The inputs of the touches' fields, the first that matches wins (the first touch's headline is its own). */
    private static final List<FieldInput> TOUCH_INPUTS = List.of(
            new FieldInput(f -> f.startsWith("touches[0].creative.headline"), "headline"),
            new FieldInput(f -> f.contains(".creative.headline"), "offer_headline"),
            new FieldInput(f -> f.contains(".creative.products"), "products"),
            new FieldInput(f -> f.startsWith("touches[1].after_hours") || f.equals("touches"), "offer_after_hours"),
            new FieldInput(f -> f.contains(".offer.percent"), "offer_percent"),
            new FieldInput(f -> f.contains(".offer.minimum_order.currency"), "offer_currency"),
            new FieldInput(f -> f.contains(".offer.minimum_order"), "offer_minimum"),
            new FieldInput(f -> f.contains(".offer.expires_hours"), "offer_expires_hours"));

    /** The form input a core violation is about. */
    static String input(String field) {
        for (FieldInput touch : TOUCH_INPUTS) {
            if (touch.matches().test(field)) {
                return touch.input();
            }
        }
        return switch (field) {
            case "name" -> "name";
            case "caps.per_person_per_day" -> "cap";
            case "holdout_percent" -> "holdout_percent";
            case "channels", "channels.email", "channels.onsite" -> "channels";
            case "segment_id" -> "segment_id";
            default -> field;
        };
    }
}
