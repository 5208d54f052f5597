package io.rebound.core.segment;

import io.rebound.core.event.EventType;
import io.rebound.core.segment.MembershipTimeline.Leaf;

import java.util.List;

/** Phrases why a visitor is or is not a member at an instant, in the store owner's words. */
final class Reasons {

    private final MembershipTimeline timeline;
    private final long t;

    Reasons(MembershipTimeline timeline, long t) {
        this.timeline = timeline;
        this.t = t;
    }

    String explain() {
        StringBuilder sb = new StringBuilder(64);
        for (Leaf[] cond : timeline.include()) {
            Leaf leaf = timeline.holdingLeaf(cond, t, Long.MIN_VALUE);
            if (leaf == null) {
                return cond.length == 1 ? missing(cond[0]) : "none of " + java.util.Arrays.stream(cond)
                        .map(l -> l.condition().eventName() + " within " + l.condition().window())
                        .collect(java.util.stream.Collectors.joining(", "));
            }
            present(separated(sb), leaf, Long.MIN_VALUE);
        }
        long anchor = timeline.anchor(t);
        for (Leaf[] cond : timeline.exclude()) {
            Leaf leaf = timeline.holdingLeaf(cond, t, anchor);
            if (leaf != null) {
                return present(new StringBuilder(48), leaf, anchor).toString();
            }
            EventCondition c = cond[0].condition();
            separated(sb).append("no ").append(c.eventName()).append(cond.length > 1 ? " (or alternatives)" : "");
            if (c.since() != null) {
                sb.append(" since");
            } else {
                sb.append(" within ").append(c.window());
            }
        }
        return sb.toString();
    }

    /** {@code sb}, with "; " appended when it already says something. */
    private static StringBuilder separated(StringBuilder sb) {
        return sb.isEmpty() ? sb : sb.append("; ");
    }

    private String missing(Leaf leaf) {
        EventCondition c = leaf.condition();
        int[] range = timeline.range(leaf, t, Long.MIN_VALUE);
        int n = range[1] - range[0];
        if (n > 0 && n < c.minCount()) {
            return "only " + n + " of " + c.minCount() + " " + c.eventName() + " within " + c.window();
        }
        if (n > 0 && c.sumValueGte() != null) {
            return c.eventName() + " value " + MembershipTimeline.sum(leaf, range).toPlainString() + " of "
                    + c.sumValueGte().toPlainString() + " within " + c.window();
        }
        return "no " + c.eventName() + " within " + c.window();
    }

    private StringBuilder present(StringBuilder sb, Leaf leaf, long anchor) {
        EventCondition c = leaf.condition();
        int[] range = timeline.range(leaf, t, anchor);
        int latest = range[1] - 1;
        describe(sb, leaf, latest).append(' ').append(age(t - leaf.times()[latest]));
        int n = range[1] - range[0];
        if (c.minCount() > 1 || n > 1) {
            sb.append(" (").append(n).append("× within ").append(c.window()).append(')');
        }
        if (c.sumValueGte() != null) {
            sb.append(", total ").append(MembershipTimeline.sum(leaf, range).toPlainString());
        }
        return sb;
    }

    /** What the leaf's event i was, e.g. "added to cart yoga-mat +1 more" (its type is the condition's). */
    private static StringBuilder describe(StringBuilder sb, Leaf leaf, int i) {
        EventType type = leaf.condition().type();
        sb.append(switch (type) {
            case VIEW_CONTENT -> "viewed";
            case ADD_TO_CART -> "added to cart";
            case PURCHASE -> "purchased";
            case INITIATE_CHECKOUT -> "started checkout";
            case CUSTOM -> leaf.event(i).displayName();
            default -> type.canonicalName();
        });
        List<String> products = leaf.productIds(i);
        if (!products.isEmpty()) {
            sb.append(' ').append(products.getFirst());
            if (products.size() > 1) {
                sb.append(" +").append(products.size() - 1).append(" more");
            }
        }
        return sb;
    }

    static String age(long millis) {
        if (millis >= 86_400_000L) {
            return millis / 86_400_000L + " d ago";
        }
        if (millis >= 3_600_000L) {
            return millis / 3_600_000L + " h ago";
        }
        if (millis >= 60_000L) {
            return millis / 60_000L + " min ago";
        }
        return millis >= 1000 ? millis / 1000 + " s ago" : "just now";
    }
}
