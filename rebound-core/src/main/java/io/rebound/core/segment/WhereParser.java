package io.rebound.core.segment;

import io.rebound.core.segment.Filter.Operator;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Parses a {@code where} object: {@code {"product_id": "yoga-mat"}} (equality),
 * {@code {"category": ["mats", "blocks"]}} (in), {@code {"value": {"gte": 50, "lt": 200}}} (operators).
 */
final class WhereParser {

    private WhereParser() {
    }

    static List<Filter> parse(Object raw, String path, BiConsumer<String, String> fail) {
        List<Filter> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        if (!(raw instanceof Map<?, ?> map)) {
            fail.accept(path, "must be an object of field: value, e.g. {\"product_id\": \"yoga-mat\"}");
            return out;
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String field = String.valueOf(e.getKey());
            String fieldPath = path + "." + field;
            if (field.isBlank() || field.equals("event")) {
                fail.accept(fieldPath, "is not a field an event can be filtered on");
                continue;
            }
            Object v = e.getValue();
            if (v instanceof Map<?, ?> ops) {
                if (ops.isEmpty()) {
                    fail.accept(fieldPath, "needs at least one operator: eq, in, gt, gte, lt, lte or contains");
                }
                for (Map.Entry<?, ?> op : ops.entrySet()) {
                    Operator operator = operator(String.valueOf(op.getKey()));
                    if (operator == null) {
                        fail.accept(fieldPath + "." + op.getKey(),
                                "is not an operator; use eq, in, gt, gte, lt, lte or contains");
                        continue;
                    }
                    add(out, field, operator, op.getValue(), fieldPath + "." + operator.json(), fail);
                }
            } else if (v instanceof List<?>) {
                add(out, field, Operator.IN, v, fieldPath, fail);
            } else {
                add(out, field, Operator.EQ, v, fieldPath, fail);
            }
        }
        return out;
    }

    private static Operator operator(String json) {
        return Arrays.stream(Operator.values()).filter(o -> o.json().equals(json)).findFirst().orElse(null);
    }

    private static void add(List<Filter> out, String field, Operator op, Object raw, String path,
                            BiConsumer<String, String> fail) {
        boolean textField = field.equals(Filter.PRODUCT_ID) || field.equals(Filter.CATEGORY)
                || field.equals(Filter.CURRENCY);
        boolean numeric = op == Operator.GT || op == Operator.GTE || op == Operator.LT || op == Operator.LTE;
        if (textField && numeric) {
            fail.accept(path, field + " is text; use equality, in or contains");
            return;
        }
        if (field.equals(Filter.VALUE) && op == Operator.CONTAINS) {
            fail.accept(path, "value is a number; use equality, in, gt, gte, lt or lte");
            return;
        }
        if (numeric) {
            BigDecimal n = number(raw);
            if (n == null) {
                fail.accept(path, "must be a number");
            } else {
                out.add(new Filter(field, op, n));
            }
            return;
        }
        if (op == Operator.CONTAINS) {
            if (raw instanceof String s && !s.isEmpty()) {
                out.add(new Filter(field, op, s));
            } else {
                fail.accept(path, "must be non-empty text");
            }
            return;
        }
        if (op == Operator.IN) {
            if (!(raw instanceof List<?> list) || list.isEmpty()) {
                fail.accept(path, "must be a non-empty list of values");
                return;
            }
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Object s = operand(field, list.get(i), path + "[" + i + "]", fail);
                if (s != null) {
                    values.add(s);
                }
            }
            if (values.size() == list.size()) {
                out.add(new Filter(field, op, values));
            }
            return;
        }
        Object s = operand(field, raw, path, fail);
        if (s != null) {
            out.add(new Filter(field, op, s));
        }
    }

    private static Object operand(String field, Object raw, String path, BiConsumer<String, String> fail) {
        Object s = RetainedEvent.scalar(raw);
        if (s == null) {
            fail.accept(path, "must be text, a number or true/false");
            return null;
        }
        if (field.equals(Filter.VALUE) && !(s instanceof BigDecimal)) {
            fail.accept(path, "value is a number; compare it with a number");
            return null;
        }
        if (field.equals(Filter.CURRENCY)) {
            if (!(s instanceof String c) || !c.matches("[A-Za-z]{3}")) {
                fail.accept(path, "must be a three-letter ISO 4217 code such as USD");
                return null;
            }
            return c.toUpperCase(Locale.ROOT);
        }
        if ((field.equals(Filter.PRODUCT_ID) || field.equals(Filter.CATEGORY)) && s instanceof BigDecimal d) {
            return d.toPlainString();
        }
        return s;
    }

    /** A number from any JSON number representation, or null. */
    static BigDecimal number(Object o) {
        if (o instanceof BigDecimal d) {
            return d;
        }
        if (o instanceof Double d && (d.isNaN() || d.isInfinite())) {
            return null;
        }
        if (o instanceof Float f && (f.isNaN() || f.isInfinite())) {
            return null;
        }
        return o instanceof Number n ? new BigDecimal(n.toString()) : null;
    }
}
