package io.rebound.server.dashboard;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import io.rebound.core.event.Violation;
import io.rebound.core.segment.InvalidSegmentException;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.Window;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two ways to create a segment from the dashboard — a template with optional days, product or
 * category, or the segment JSON typed into a textarea — turned into a definition or into
 * violations that name the field, for inline messages. The rules themselves are the core's
 * ({@link SegmentTemplates}, {@link SegmentDefinitions#parse}); nothing is validated twice.
 */
final class SegmentForms {
    static final int MAX_JSON_CHARS = 64 * 1024;
    /** What a template creates, for the template cards. */
    record TemplateInfo(String id, String title, String description, boolean hasDays, int defaultDays) {
    }

    static final List<TemplateInfo> TEMPLATES = List.of(
            new TemplateInfo("product_viewers", "Product viewers",
                    "Viewed a product and did not add it to the cart.", true, 14),
            new TemplateInfo("cart_abandoners", "Cart abandoners",
                    "Added to cart and bought nothing since.", true, 7),
            new TemplateInfo("past_purchasers", "Past purchasers",
                    "Bought within the period — for cross-sell, or to exclude.", true, 30),
            new TemplateInfo("abandoner_reminder", "Abandoned cart: reminder",
                    "Latest add-to-cart 0–2 days ago, no purchase since. A plain reminder.", false,
                    SegmentTemplates.REMINDER_DAYS),
            new TemplateInfo("abandoner_offer", "Abandoned cart: offer",
                    "Latest add-to-cart 3–13 days ago, no purchase since. Gets the discount.", false,
                    SegmentTemplates.OFFER_DAYS));

    /**
     * A form's result: a definition (and the template it came from), or what is wrong with it.
     *
     * @param definition the segment, or null when rejected
     * @param template   the template id, or null for JSON
     * @param errors     field → message, in form order; empty when accepted
     */
    record Outcome(SegmentDefinition definition, String template, Map<String, String> errors) {
        boolean ok() {
            return definition != null;
        }

        static Outcome rejected(String template, Map<String, String> errors) {
            return new Outcome(null, template, errors);
        }
    }

    private SegmentForms() {
    }

    /** The template form: {@code template}, optional {@code days}, {@code product_id}, {@code category}. */
    static Outcome template(String template, String days, String productId, String category) {
        Map<String, String> errors = new LinkedHashMap<>();
        if (template == null || !SegmentTemplates.IDS.contains(template)) {
            errors.put("template", "Choose one of the templates.");
            return Outcome.rejected(null, errors);
        }
        Integer d = null;
        String rawDays = blankToNull(days);
        if (rawDays != null) {
            try {
                d = Integer.valueOf(rawDays);
            } catch (NumberFormatException e) {
                errors.put("days", "Days must be a whole number from 1 to " + Window.MAX_DAYS + ".");
                return Outcome.rejected(template, errors);
            }
        }
        try {
            SegmentDefinition def = SegmentTemplates.instantiate(template, d,
                    new SegmentTemplates.Scope(blankToNull(productId), blankToNull(category)));
            return new Outcome(def, template, Map.of());
        } catch (InvalidSegmentException e) {
            for (Violation v : e.violations()) {
                errors.put(v.field(), sentence(v.field(), v.message()));
            }
            return Outcome.rejected(template, errors);
        }
    }

    /** The JSON form: the segment JSON format of docs/segments.md. */
    static Outcome json(String text) {
        Map<String, String> errors = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            errors.put("json", "Enter the segment as JSON: an object with name and include.");
            return Outcome.rejected(null, errors);
        }
        if (text.length() > MAX_JSON_CHARS) {
            errors.put("json", "The segment JSON is longer than 64 KB.");
            return Outcome.rejected(null, errors);
        }
        Map<String, Object> tree;
        try {
            tree = Json.readUntrustedObject(text);
        } catch (InvalidNumberException e) {
            errors.put(e.field(), e.getMessage());
            return Outcome.rejected(null, errors);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            errors.put("json", "This is not valid JSON" + where + ": " + e.getOriginalMessage());
            return Outcome.rejected(null, errors);
        } catch (IOException e) {
            errors.put("json", "This could not be read as JSON.");
            return Outcome.rejected(null, errors);
        }
        if (tree == null) {
            errors.put("json", "Enter a JSON object, not null.");
            return Outcome.rejected(null, errors);
        }
        try {
            return new Outcome(SegmentDefinitions.parse(tree), null, Map.of());
        } catch (InvalidSegmentException e) {
            for (Violation v : e.violations()) {
                errors.merge(v.field(), v.message(), (a, b) -> a + "; " + b);
            }
            return Outcome.rejected(null, errors);
        }
    }

    /** Pretty JSON of a definition, for the textarea. */
    static String pretty(SegmentDefinition d) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(SegmentDefinitions.toJson(d));
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Violations as a list of {field, message} maps for the template. */
    static List<Map<String, String>> list(Map<String, String> errors) {
        List<Map<String, String>> out = new ArrayList<>();
        errors.forEach((f, m) -> out.add(Map.of("field", f, "message", m)));
        return out;
    }

    private static String sentence(String field, String message) {
        String label = switch (field) {
            case "days" -> "Days";
            case "product_id", "include[0].where.product_id" -> "Product id";
            case "category", "include[0].where.category" -> "Category";
            default -> field;
        };
        return label + " " + message + (message.endsWith(".") ? "" : ".");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
