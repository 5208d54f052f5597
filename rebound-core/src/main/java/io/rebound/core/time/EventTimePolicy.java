package io.rebound.core.time;

import io.rebound.core.event.InvalidEventException;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides an event's time from what the client said and when it arrived, as the Segment
 * spec does: {@code eventTime = timestamp + (receivedAt - sentAt)} corrects the device clock.
 * Backdated events (history imports) are accepted up to {@link #maxAge()}; events later than
 * {@code receivedAt + futureTolerance} are rejected because no clock correction explains them.
 *
 * @param maxAge          oldest accepted event, 540 days by default (Google's longest window)
 * @param futureTolerance how far past the arrival an event may be, 5 minutes by default
 */
public record EventTimePolicy(Duration maxAge, Duration futureTolerance) {

    public static final EventTimePolicy DEFAULT = new EventTimePolicy(Duration.ofDays(540), Duration.ofMinutes(5));

    /**
     * @param timestamp  the client's event timestamp, or null (then the arrival time is used)
     * @param sentAt     when the client says it sent the request, or null (no skew correction)
     * @param receivedAt when the collector received it
     * @param field      the field name to report in a rejection
     */
    public Instant resolve(Instant timestamp, Instant sentAt, Instant receivedAt, String field) {
        if (timestamp == null) {
            return receivedAt;
        }
        Instant corrected = sentAt == null ? timestamp : timestamp.plus(Duration.between(sentAt, receivedAt));
        if (corrected.isAfter(receivedAt.plus(futureTolerance))) {
            throw new InvalidEventException(field, "is " + Duration.between(receivedAt, corrected).toSeconds()
                    + "s in the future after clock-skew correction; at most " + futureTolerance.toSeconds()
                    + "s is tolerated");
        }
        if (corrected.isBefore(receivedAt.minus(maxAge))) {
            throw new InvalidEventException(field, "is older than " + maxAge.toDays()
                    + " days; backdated events are accepted up to that age");
        }
        return corrected;
    }
}
