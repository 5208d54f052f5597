package io.rebound.core.segment;

import io.rebound.core.event.DefinitionParser;
import io.rebound.core.event.EventType;
import io.rebound.core.event.EventVocabulary;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the segment JSON format (docs/segments.md) as the generic tree a JSON library
 * produces: {@code Map<String,Object>}, {@code List<Object>}, String, Number, Boolean. The core has
 * no JSON library; adapters parse text with theirs and hand the tree here. Every problem found is
 * reported at once, each with its field path, e.g. {@code include[0].within_days}.
 */
public final class SegmentDefinitions {

    static final Set<String> TOP_KEYS = Set.of("name", "description", "include", "exclude");
    static final Set<String> CONDITION_KEYS =
            Set.of("event", "within_days", "within_hours", "where", "min_count", "sum_value_gte", "since");
    private static final int MAX_CONDITIONS = 50;
    /** The deepest nesting a definition may have; a valid one needs at most 9 levels. */
    static final int MAX_DEPTH = 16;

    private SegmentDefinitions() {
    }

    /** Parses a definition; throws {@link InvalidSegmentException} listing every violation. */
    public static SegmentDefinition parse(Map<String, Object> json) {
        Parser p = new Parser();
        return p.read(json, p::definition, InvalidSegmentException::new);
    }

    /** Writes {@code definition} as a JSON tree; {@code parse(toJson(d))} equals {@code d}. */
    public static Map<String, Object> toJson(SegmentDefinition definition) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", definition.name());
        if (definition.description() != null) {
            out.put("description", definition.description());
        }
        out.put("include", definition.include().stream().map(SegmentDefinitions::condition).toList());
        if (!definition.exclude().isEmpty()) {
            out.put("exclude", definition.exclude().stream().map(SegmentDefinitions::condition).toList());
        }
        return out;
    }

    /**
     * The definition as a text that every JVM writes alike (object keys sorted), for fingerprints
     * that are compared across processes.
     */
    public static String canonical(SegmentDefinition definition) {
        StringBuilder out = new StringBuilder();
        canonical(toJson(definition), out);
        return out.toString();
    }

    private static void canonical(Object value, StringBuilder out) {
        switch (value) {
            case Map<?, ?> map -> {
                out.append('{');
                new java.util.TreeMap<>(map).forEach((k, v) -> {
                    out.append(k).append(':');
                    canonical(v, out);
                    out.append(',');
                });
                out.append('}');
            }
            case java.util.Collection<?> items -> {
                List<String> texts = new ArrayList<>();
                for (Object v : items) {
                    StringBuilder item = new StringBuilder();
                    canonical(v, item);
                    texts.add(item.toString());
                }
                if (!(items instanceof List)) {
                    texts.sort(null); // a set's order is the JVM's own
                }
                out.append('[').append(String.join(",", texts)).append(']');
            }
            case null -> out.append("null");
            default -> out.append(value.getClass().getSimpleName()).append('=').append(value);
        }
    }

    private static Object condition(Condition c) {
        return switch (c) {
            case AnyCondition any -> Map.of("any", any.any().stream().map(SegmentDefinitions::condition).toList());
            case EventCondition e -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("event", e.eventName());
                out.put(e.window().unit() == Window.Unit.DAYS ? "within_days" : "within_hours", e.window().amount());
                if (!e.where().isEmpty()) {
                    out.put("where", where(e.where()));
                }
                if (e.minCount() != 1) {
                    out.put("min_count", e.minCount());
                }
                if (e.sumValueGte() != null) {
                    out.put("sum_value_gte", e.sumValueGte());
                }
                if (e.since() != null) {
                    out.put("since", e.since().json());
                }
                yield out;
            }
        };
    }

    private static Map<String, Object> where(List<Filter> filters) {
        // Several filters on one field become one operator object: {"value": {"gte": 10, "lt": 100}}.
        Map<String, Map<String, Object>> byField = new LinkedHashMap<>();
        for (Filter f : filters) {
            byField.computeIfAbsent(f.field(), k -> new LinkedHashMap<>()).put(f.operator().json(), f.operand());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        byField.forEach((field, ops) -> out.put(field,
                ops.size() == 1 && ops.containsKey("eq") ? ops.get("eq") : ops));
        return out;
    }

    /** Collects violations while building; returns placeholders so that parsing can go on. */
    private static final class Parser extends DefinitionParser {
        Parser() {
            super(MAX_DEPTH, "a segment definition");
        }

        SegmentDefinition definition(Map<String, Object> json) {
            unknownKeys(json, TOP_KEYS, "");
            String name = null;
            Object n = json.get("name");
            if (!(n instanceof String s) || s.isBlank()) {
                fail("name", "is required: a non-empty text such as \"Cart abandoners (7 days)\"");
            } else if (s.length() > 200) {
                fail("name", "must be at most 200 characters");
            } else {
                name = s;
            }
            Object d = json.get("description");
            if (d != null && !(d instanceof String)) {
                fail("description", "must be text");
            }
            List<Condition> include = conditions(json.get("include"), "include", false, true);
            List<Condition> exclude = conditions(json.get("exclude"), "exclude", true, false);
            if (!violations().isEmpty()) {
                return null;
            }
            return new SegmentDefinition(name, (String) d, include, exclude);
        }

        List<Condition> conditions(Object raw, String path, boolean exclude, boolean required) {
            List<Condition> out = new ArrayList<>();
            if (raw == null) {
                if (required) {
                    fail(path, "is required: a list of at least one condition, e.g. "
                            + "[{\"event\": \"ViewContent\", \"within_days\": 14}]");
                }
                return out;
            }
            if (!(raw instanceof List<?> list)) {
                fail(path, "must be a list of conditions");
                return out;
            }
            if (required && list.isEmpty()) {
                fail(path, "must contain at least one condition");
            }
            if (list.size() > MAX_CONDITIONS) {
                fail(path, "must contain at most " + MAX_CONDITIONS + " conditions");
            }
            for (int i = 0; i < list.size(); i++) {
                Condition c = condition(list.get(i), path + "[" + i + "]", exclude, true);
                if (c != null) {
                    out.add(c);
                }
            }
            return out;
        }

        Condition condition(Object raw, String path, boolean exclude, boolean anyAllowed) {
            if (!(raw instanceof Map<?, ?> map)) {
                fail(path, "must be an object such as {\"event\": \"AddToCart\", \"within_days\": 7}");
                return null;
            }
            if (map.containsKey("any")) {
                if (!anyAllowed) {
                    fail(path + ".any", "cannot be nested; list all alternatives in one any");
                    return null;
                }
                if (map.size() > 1) {
                    fail(path, "an any group has only the key any; put event, where and windows inside its conditions");
                }
                if (!(map.get("any") instanceof List<?> alts) || alts.isEmpty()) {
                    fail(path + ".any", "must be a non-empty list of conditions");
                    return null;
                }
                List<EventCondition> leaves = new ArrayList<>();
                for (int i = 0; i < alts.size(); i++) {
                    if (condition(alts.get(i), path + ".any[" + i + "]", exclude, false) instanceof EventCondition e) {
                        leaves.add(e);
                    }
                }
                return leaves.size() == alts.size() ? new AnyCondition(leaves) : null;
            }
            return new ConditionParser(this, path).parse(map, exclude);
        }

        void unknownKeys(Map<?, ?> map, Set<String> allowed, String path) {
            for (Object k : map.keySet()) {
                if (!allowed.contains(String.valueOf(k))) {
                    fail(path.isEmpty() ? String.valueOf(k) : path + "." + k,
                            "is not a known field; expected one of " + new java.util.TreeSet<>(allowed));
                }
            }
        }
    }

    /** Parses one event condition. */
    private record ConditionParser(Parser p, String path) {

        EventCondition parse(Map<?, ?> map, boolean exclude) {
            int before = p.violations().size();
            p.unknownKeys(map, CONDITION_KEYS, path);
            EventType type = null;
            String custom = null;
            Object ev = map.get("event");
            if (!(ev instanceof String name) || name.isBlank()) {
                p.fail(path + ".event", "is required: an event name such as ViewContent, add_to_cart or "
                        + "\"Order Completed\", or the name of a custom event");
            } else {
                type = EventVocabulary.typeOf(name);
                custom = type == EventType.CUSTOM ? name.strip() : null;
            }
            Window window = window(map);
            List<Filter> where = WhereParser.parse(map.get("where"), path + ".where", p::fail);
            int minCount = 1;
            if (map.containsKey("min_count")) {
                Long c = integer(map.get("min_count"));
                if (c == null || c < 1 || c > 10_000) {
                    p.fail(path + ".min_count", "must be a whole number from 1 to 10000");
                } else {
                    minCount = c.intValue();
                }
            }
            BigDecimal sum = null;
            if (map.containsKey("sum_value_gte")) {
                sum = WhereParser.number(map.get("sum_value_gte"));
                if (sum == null || sum.signum() <= 0) {
                    p.fail(path + ".sum_value_gte", "must be a positive number, e.g. 100 for \"spent at least 100\"");
                }
            }
            Since since = null;
            if (map.containsKey("since")) {
                if (!exclude) {
                    p.fail(path + ".since", "is only allowed on exclude conditions");
                } else if (!Since.LAST_INCLUDE.json().equals(map.get("since"))) {
                    p.fail(path + ".since", "must be \"last_include\"");
                } else {
                    since = Since.LAST_INCLUDE;
                }
            }
            if (p.violations().size() > before) {
                return null;
            }
            return new EventCondition(type, custom, window, where, minCount, sum, since);
        }

        Window window(Map<?, ?> map) {
            boolean days = map.containsKey("within_days");
            boolean hours = map.containsKey("within_hours");
            if (days && hours) {
                p.fail(path, "give either within_days or within_hours, not both");
                return null;
            }
            if (!days && !hours) {
                p.fail(path + ".within_days", "is required (or within_hours): how recent the event must be, "
                        + "e.g. 14");
                return null;
            }
            String key = days ? "within_days" : "within_hours";
            int max = days ? Window.MAX_DAYS : Window.MAX_DAYS * 24;
            Long v = integer(map.get(key));
            if (v == null || v < 1 || v > max) {
                p.fail(path + "." + key, "must be a whole number from 1 to " + max
                        + (days ? " (Meta keeps audiences up to 180 days, Google up to 540)" : ""));
                return null;
            }
            return days ? Window.days(v.intValue()) : Window.hours(v.intValue());
        }
    }

    /** A whole number from any JSON number representation, or null. */
    static Long integer(Object o) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof BigInteger b && b.bitLength() < 63) {
            return b.longValue();
        }
        BigDecimal d = WhereParser.number(o);
        if (d != null && d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0) {
            return d.longValue();
        }
        return null;
    }
}
