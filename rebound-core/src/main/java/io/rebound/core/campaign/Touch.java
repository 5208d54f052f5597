package io.rebound.core.campaign;

import java.time.Duration;

/**
 * One step of a campaign's sequence: due {@code afterJoining} after the person joined the segment.
 *
 * @param afterJoining how long after joining the touch becomes due (0 = at once)
 * @param creative     what it shows
 * @param offer        the discount it carries, or null for a plain reminder
 */
public record Touch(Duration afterJoining, Creative creative, Offer offer) {

    /** A reminder carries no offer. */
    public boolean isReminder() {
        return offer == null;
    }
}
