package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The action a segment keys on — the product view of "viewed but did not add to cart", the add to
 * cart of cart abandoners, the purchase of past purchasers — and when a person last did it. Days
 * since that action are what a store owner reads to choose a 7-, 14- or 30-day window; days since
 * joining say nothing once a backfill has made everyone join on the same day.
 *
 * <p><b>Which condition.</b> The include condition with the shortest window; of several as short,
 * the first written. A segment with one include condition (every template) keys on it. With
 * several, a member satisfies all of them, and the shortest window is the one about recent
 * behaviour ("viewed within 7 days") while a long one qualifies who may be in at all ("bought within
 * a year"). An {@code any} group's window is its longest alternative's, since the group holds as long
 * as one alternative does. Exclude conditions never qualify: they are what a member did not do.
 *
 * <p><b>When.</b> At {@code now}: the latest event, at or before {@code now}, that matches one of the
 * condition's alternatives (type, custom name, filters) and lies within that alternative's window,
 * {@code (now − window, now]} — the events that count for the condition at {@code now}. A count or
 * value threshold ({@code min_count}, {@code sum_value_gte}) decides whether the condition holds, not
 * which event is the action: the latest counting event is. So whoever is a member at {@code now} has
 * one; whoever has none is not a member. Pure: no I/O, time is a parameter.
 */
public final class QualifyingAction {

    private final Condition condition;
    private final List<EventCondition> alternatives;
    private final Duration window;

    private QualifyingAction(Condition condition) {
        this.condition = condition;
        this.alternatives = condition.leaves();
        this.window = window(condition);
    }

    /** The qualifying action of {@code definition}: its include condition with the shortest window. */
    public static QualifyingAction of(SegmentDefinition definition) {
        Condition shortest = definition.include().getFirst();
        for (Condition c : definition.include()) {
            if (window(c).compareTo(window(shortest)) < 0) {
                shortest = c;
            }
        }
        return new QualifyingAction(shortest);
    }

    private static Duration window(Condition c) {
        return c.leaves().stream().map(l -> l.window().duration()).max(Duration::compareTo).orElseThrow();
    }

    /** The include condition the action is taken from. */
    public Condition condition() {
        return condition;
    }

    /** How far back the action can lie for the condition to hold: the condition's (longest) window. */
    public Duration window() {
        return window;
    }

    /**
     * The action in the store owner's words, e.g. "product view", "add to cart", "purchase", a custom
     * event's name; alternatives joined with "or" ("add to cart or Wishlisted").
     */
    public String name() {
        return alternatives.stream().map(QualifyingAction::noun).distinct().collect(Collectors.joining(" or "));
    }

    /** When the person whose events are {@code state} last did the action, as of {@code now}; empty for no such event. */
    public Optional<Instant> latest(VisitorState state, Instant now) {
        long t = now.toEpochMilli();
        long latest = Long.MIN_VALUE;
        for (EventCondition alternative : alternatives) {
            long floor = Math.max(t - alternative.window().millis(), latest);
            // Only a condition on the type alone can be decided without building the event.
            boolean byType = alternative.type() != EventType.CUSTOM && alternative.where().isEmpty();
            for (int i = state.size() - 1; i >= 0; i--) {
                long time = state.timeAt(i);
                if (time <= floor) {
                    // Outside the window, or no later than what another alternative found: nothing newer below.
                    break;
                }
                if (time <= t && state.typeAt(i) == alternative.type() && (byType || alternative.matches(state.get(i)))) {
                    latest = time;
                    break;
                }
            }
        }
        return latest == Long.MIN_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(latest));
    }

    private static String noun(EventCondition c) {
        return switch (c.type()) {
            case PAGE_VIEW -> "page view";
            case VIEW_CONTENT -> "product view";
            case ADD_TO_CART -> "add to cart";
            case REMOVE_FROM_CART -> "remove from cart";
            case INITIATE_CHECKOUT -> "checkout";
            case ADD_PAYMENT_INFO -> "payment info";
            case PURCHASE -> "purchase";
            case REFUND -> "refund";
            case SEARCH -> "search";
            case ADD_TO_WISHLIST -> "add to wishlist";
            case LEAD -> "lead";
            case COMPLETE_REGISTRATION -> "registration";
            case IDENTIFY -> "identify";
            case CUSTOM -> c.customName();
        };
    }
}
