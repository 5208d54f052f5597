package io.rebound.testkit;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.AnyCondition;
import io.rebound.core.segment.Condition;
import io.rebound.core.segment.EventCondition;
import io.rebound.core.segment.Filter;
import io.rebound.core.segment.SegmentDefinition;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deliberately naive second reading of the segment semantics, for differential tests only:
 * membership at {@code t} recomputed from the raw events by brute force, with no state, no
 * breakpoints and no timers. It shares nothing with the engine but the definition records.
 */
public final class ReferenceEvaluator {

    private ReferenceEvaluator() {
    }

    /** Whether a person with exactly these (distinct) events is a member at {@code t}. */
    public static boolean member(SegmentDefinition definition, List<Event> events, Instant t) {
        long now = t.toEpochMilli();
        for (Condition c : definition.include()) {
            if (!holds(c, events, now, null)) {
                return false;
            }
        }
        Long anchor = null;
        for (Condition c : definition.include()) {
            for (EventCondition leaf : leaves(c)) {
                for (Event e : events) {
                    long et = e.eventTime().toEpochMilli();
                    if (counts(leaf, e, now) && (anchor == null || et > anchor)) {
                        anchor = et;
                    }
                }
            }
        }
        for (Condition c : definition.exclude()) {
            if (holds(c, events, now, anchor)) {
                return false;
            }
        }
        return true;
    }

    private static List<EventCondition> leaves(Condition c) {
        return c instanceof AnyCondition any ? any.any() : List.of((EventCondition) c);
    }

    private static boolean holds(Condition c, List<Event> events, long now, Long anchor) {
        for (EventCondition leaf : leaves(c)) {
            List<Event> matching = new ArrayList<>();
            for (Event e : events) {
                boolean afterAnchor = leaf.since() == null || (anchor != null && e.eventTime().toEpochMilli() >= anchor);
                if (counts(leaf, e, now) && afterAnchor) {
                    matching.add(e);
                }
            }
            BigDecimal sum = BigDecimal.ZERO;
            for (Event e : matching) {
                sum = e.value() == null ? sum : sum.add(e.value());
            }
            if (matching.size() >= leaf.minCount()
                    && (leaf.sumValueGte() == null || sum.compareTo(leaf.sumValueGte()) >= 0)) {
                return true;
            }
        }
        return false;
    }

    /** Kind, filters and window {@code (now - w, now]}. */
    private static boolean counts(EventCondition leaf, Event e, long now) {
        long et = e.eventTime().toEpochMilli();
        if (et > now || et <= now - leaf.window().duration().toMillis()) {
            return false;
        }
        if (e.type() != leaf.type()) {
            return false;
        }
        if (leaf.type() == EventType.CUSTOM && !e.name().equalsIgnoreCase(leaf.customName())) {
            return false;
        }
        return leaf.where().stream().allMatch(f -> passes(f, e));
    }

    private static boolean passes(Filter f, Event e) {
        List<Object> candidates = new ArrayList<>();
        switch (f.field()) {
            case Filter.PRODUCT_ID -> e.products().forEach(p -> candidates.add(p.id()));
            case Filter.CATEGORY -> e.products().stream().map(Product::category)
                    .filter(java.util.Objects::nonNull).forEach(candidates::add);
            case Filter.VALUE -> candidates.add(e.value());
            case Filter.CURRENCY -> candidates.add(e.currency());
            default -> candidates.add(e.properties().get(f.field()));
        }
        for (Object raw : candidates) {
            if (raw == null) {
                continue;
            }
            Object v = raw instanceof Number n && !(raw instanceof BigDecimal) ? new BigDecimal(n.toString()) : raw;
            if (test(f, v)) {
                return true;
            }
        }
        return false;
    }

    private static boolean test(Filter f, Object v) {
        Object o = f.operand();
        return switch (f.operator()) {
            case EQ -> equal(f.field(), v, o);
            case IN -> ((List<?>) o).stream().anyMatch(x -> equal(f.field(), v, x));
            case GT -> v instanceof BigDecimal d && d.compareTo((BigDecimal) o) > 0;
            case GTE -> v instanceof BigDecimal d && d.compareTo((BigDecimal) o) >= 0;
            case LT -> v instanceof BigDecimal d && d.compareTo((BigDecimal) o) < 0;
            case LTE -> v instanceof BigDecimal d && d.compareTo((BigDecimal) o) <= 0;
            case CONTAINS -> v instanceof String s
                    && s.toLowerCase(Locale.ROOT).contains(((String) o).toLowerCase(Locale.ROOT));
        };
    }

    private static boolean equal(String field, Object v, Object o) {
        if (v instanceof BigDecimal a && o instanceof BigDecimal b) {
            return a.compareTo(b) == 0;
        }
        String a = v instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString() : v.toString();
        String b = o instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString() : o.toString();
        return field.equals(Filter.CURRENCY) ? a.equalsIgnoreCase(b) : a.equals(b);
    }
}
