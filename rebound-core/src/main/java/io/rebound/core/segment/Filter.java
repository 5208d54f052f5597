package io.rebound.core.segment;

import io.rebound.core.JsonName;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One {@code where} test on an event field: {@code product_id} and {@code category} hold when any
 * product line of the event passes; {@code value} and {@code currency} test the event's value;
 * any other name tests a custom property. An event without the field never passes.
 *
 * @param field    {@code product_id}, {@code category}, {@code value}, {@code currency} or a property name
 * @param operator the comparison
 * @param operand  String, BigDecimal or Boolean; a list of those for {@link Operator#IN}
 */
public record Filter(String field, Operator operator, Object operand) {

    public static final String PRODUCT_ID = "product_id";
    public static final String CATEGORY = "category";
    public static final String VALUE = "value";
    public static final String CURRENCY = "currency";

    /** Comparisons a {@code where} clause can use; {@link #json()} is the JSON key. */
    public enum Operator implements JsonName {
        EQ, IN, GT, GTE, LT, LTE, CONTAINS
    }

    public Filter {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(operand, "operand");
        if (operand instanceof List<?> list) {
            operand = List.copyOf(list);
        }
    }

    public static Filter eq(String field, Object operand) {
        return new Filter(field, Operator.EQ, operand);
    }

    /** Whether {@code event} passes this filter. */
    public boolean matches(RetainedEvent event) {
        return switch (field) {
            case PRODUCT_ID -> anyMatches(event.productIds());
            case CATEGORY -> anyMatches(event.categories());
            case VALUE -> event.value() != null && test(event.value());
            case CURRENCY -> event.currency() != null && test(event.currency());
            default -> {
                Object v = event.properties().get(field);
                yield v != null && test(v);
            }
        };
    }

    private boolean anyMatches(List<String> values) {
        for (String v : values) {
            if (test(v)) {
                return true;
            }
        }
        return false;
    }

    private boolean test(Object v) {
        return switch (operator) {
            case EQ -> same(v, operand);
            case IN -> ((List<?>) operand).stream().anyMatch(o -> same(v, o));
            case GT -> v instanceof BigDecimal d && d.compareTo((BigDecimal) operand) > 0;
            case GTE -> v instanceof BigDecimal d && d.compareTo((BigDecimal) operand) >= 0;
            case LT -> v instanceof BigDecimal d && d.compareTo((BigDecimal) operand) < 0;
            case LTE -> v instanceof BigDecimal d && d.compareTo((BigDecimal) operand) <= 0;
            case CONTAINS -> v instanceof String s
                    && s.toLowerCase(Locale.ROOT).contains(((String) operand).toLowerCase(Locale.ROOT));
        };
    }

    private boolean same(Object v, Object o) {
        if (v instanceof BigDecimal a && o instanceof BigDecimal b) {
            return a.compareTo(b) == 0;
        }
        if (field.equals(CURRENCY) && v instanceof String a && o instanceof String b) {
            return a.equalsIgnoreCase(b);
        }
        return text(v).equals(text(o));
    }

    private static String text(Object v) {
        return v instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString() : v.toString();
    }
}
