package io.rebound.core.segment;

import java.util.List;

/**
 * One include or exclude rule of a segment: either a single {@link EventCondition} or an
 * {@link AnyCondition} that holds when at least one of its alternatives holds.
 */
public sealed interface Condition permits EventCondition, AnyCondition {

    /** The event conditions this condition is made of (itself for an event condition). */
    List<EventCondition> leaves();
}
