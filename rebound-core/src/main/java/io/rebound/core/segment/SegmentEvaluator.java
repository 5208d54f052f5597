package io.rebound.core.segment;

import java.time.Instant;

/**
 * Evaluates segment definitions against visitor states. This is the one place audience
 * conditions are implemented; every runtime (embedded, Kafka) calls it unchanged.
 */
public final class SegmentEvaluator {

    private SegmentEvaluator() {
    }

    /** Membership at {@code now}, the next instant it changes by time alone, and why. */
    public static Evaluation evaluate(SegmentDefinition definition, VisitorState state, Instant now) {
        MembershipTimeline timeline = timeline(definition, state);
        return new Evaluation(timeline.memberAt(now), timeline.nextChangeAfter(now), timeline.reasonAt(now));
    }

    /** The whole membership history {@code state} implies for {@code definition}, for exact-instant questions. */
    public static MembershipTimeline timeline(SegmentDefinition definition, VisitorState state) {
        return new MembershipTimeline(definition, state);
    }
}
