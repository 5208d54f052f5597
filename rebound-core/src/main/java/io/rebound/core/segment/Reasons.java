package io.rebound.core.segment;

import io.rebound.core.segment.MembershipTimeline.Leaf;

import java.util.ArrayList;
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
        List<String> parts = new ArrayList<>();
        for (Leaf[] cond : timeline.include()) {
            Leaf leaf = timeline.holdingLeaf(cond, t, Long.MIN_VALUE);
            if (leaf == null) {
                return cond.length == 1 ? missing(cond[0]) : "none of " + java.util.Arrays.stream(cond)
                        .map(l -> l.condition().eventName() + " within " + l.condition().window())
                        .collect(java.util.stream.Collectors.joining(", "));
            }
            parts.add(present(leaf, Long.MIN_VALUE));
        }
        long anchor = timeline.anchor(t);
        for (Leaf[] cond : timeline.exclude()) {
            Leaf leaf = timeline.holdingLeaf(cond, t, anchor);
            if (leaf != null) {
                return present(leaf, anchor);
            }
            EventCondition c = cond[0].condition();
            parts.add("no " + c.eventName() + (cond.length > 1 ? " (or alternatives)" : "")
                    + (c.since() != null ? " since" : " within " + c.window()));
        }
        return String.join("; ", parts);
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

    private String present(Leaf leaf, long anchor) {
        EventCondition c = leaf.condition();
        int[] range = timeline.range(leaf, t, anchor);
        RetainedEvent latest = leaf.event(range[1] - 1);
        StringBuilder sb = new StringBuilder(describe(latest)).append(' ').append(age(t - latest.timeMillis()));
        int n = range[1] - range[0];
        if (c.minCount() > 1 || n > 1) {
            sb.append(" (").append(n).append("× within ").append(c.window()).append(')');
        }
        if (c.sumValueGte() != null) {
            sb.append(", total ").append(MembershipTimeline.sum(leaf, range).toPlainString());
        }
        return sb.toString();
    }

    static String describe(RetainedEvent e) {
        String verb = switch (e.type()) {
            case VIEW_CONTENT -> "viewed";
            case ADD_TO_CART -> "added to cart";
            case PURCHASE -> "purchased";
            case INITIATE_CHECKOUT -> "started checkout";
            default -> e.displayName();
        };
        if (e.productIds().isEmpty()) {
            return verb;
        }
        String more = e.productIds().size() > 1 ? " +" + (e.productIds().size() - 1) + " more" : "";
        return verb + " " + e.productIds().getFirst() + more;
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
