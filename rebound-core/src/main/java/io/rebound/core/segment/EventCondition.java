package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * "At least {@code minCount} events of this kind, passing every filter, within the window"
 * (and, when {@code sumValueGte} is set, their values add up to at least that much).
 * On an exclude condition, {@code since} restricts the events to those at or after the latest
 * qualifying include event.
 *
 * @param type        canonical event type
 * @param customName  the custom event's name when {@code type} is {@link EventType#CUSTOM}, else null
 * @param window      recency window
 * @param where       filters, all of which must pass; empty for none
 * @param minCount    at least this many matching events, 1 by default
 * @param sumValueGte the matching events' values must add up to at least this, or null
 * @param since       null, or {@link Since#LAST_INCLUDE} (exclude conditions only)
 */
public record EventCondition(EventType type, String customName, Window window, List<Filter> where, int minCount,
                             BigDecimal sumValueGte, Since since) implements Condition {

    public EventCondition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(window, "window");
        customName = type == EventType.CUSTOM ? Objects.requireNonNull(customName, "customName") : null;
        where = where == null ? List.of() : List.copyOf(where);
        if (minCount < 1) {
            throw new IllegalArgumentException("minCount must be at least 1");
        }
    }

    /** A condition on one event type with no filters, count 1. */
    public static EventCondition of(EventType type, Window window) {
        return new EventCondition(type, null, window, List.of(), 1, null, null);
    }

    public EventCondition where(Filter... filters) {
        return new EventCondition(type, customName, window, List.of(filters), minCount, sumValueGte, since);
    }

    public EventCondition sinceLastInclude() {
        return new EventCondition(type, customName, window, where, minCount, sumValueGte, Since.LAST_INCLUDE);
    }

    public EventCondition minCount(int count) {
        return new EventCondition(type, customName, window, where, count, sumValueGte, since);
    }

    public EventCondition sumValueGte(BigDecimal sum) {
        return new EventCondition(type, customName, window, where, minCount, sum, since);
    }

    /** Whether {@code event} is of this condition's kind and passes its filters (time is not considered). */
    public boolean matches(RetainedEvent event) {
        if (event.type() != type) {
            return false;
        }
        if (type == EventType.CUSTOM && !customName.equalsIgnoreCase(event.name())) {
            return false;
        }
        for (Filter f : where) {
            if (!f.matches(event)) {
                return false;
            }
        }
        return true;
    }

    /** The event name as written in definitions and reasons: canonical name or custom name. */
    public String eventName() {
        return type == EventType.CUSTOM ? customName : type.canonicalName();
    }

    @Override
    public List<EventCondition> leaves() {
        return List.of(this);
    }
}
