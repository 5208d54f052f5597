package io.rebound.core.segment;

import io.rebound.core.event.InvalidInputException;
import io.rebound.core.event.Violation;

import java.util.List;

/**
 * A segment definition was rejected; each violation names the field (e.g. {@code include[0].within_days})
 * and what was expected, phrased for a store owner. Maps to HTTP 400 / 422, never 5xx.
 */
public final class InvalidSegmentException extends InvalidInputException {
    public InvalidSegmentException(List<Violation> violations) {
        super(violations, "invalid segment");
    }

    public InvalidSegmentException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }
}
