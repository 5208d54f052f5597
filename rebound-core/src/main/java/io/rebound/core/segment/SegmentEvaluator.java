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
        return timeline(plan(definition), state);
    }

    /** {@code definition} prepared for evaluating many visitors (a processor makes one per segment). */
    public static MembershipTimeline.Plan plan(SegmentDefinition definition) {
        return new MembershipTimeline.Plan(definition);
    }

    /** {@link #timeline(SegmentDefinition, VisitorState)} for a prepared definition. */
    public static MembershipTimeline timeline(MembershipTimeline.Plan plan, VisitorState state) {
        return new MembershipTimeline(plan, state);
    }
}
