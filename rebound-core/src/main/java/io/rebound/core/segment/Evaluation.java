package io.rebound.core.segment;

import java.time.Instant;

/**
 * The answer for one segment, one visitor, one instant.
 *
 * @param member     whether the visitor is a member at that instant
 * @param nextChange the earliest later instant at which the answer changes by the passage of time
 *                   alone (an event ageing out, a future-dated event arriving, an exclusion ageing out);
 *                   null when time alone never changes it. A runtime sets its timer here.
 * @param reason     why, for the dashboard, e.g. {@code viewed yoga-mat 3 d ago; no AddToCart within 14 d}
 */
public record Evaluation(boolean member, Instant nextChange, String reason) {
}
