package io.rebound.core.event;

import java.util.List;

/** An event was rejected; the violations say which fields and why. Maps to HTTP 400. */
public final class InvalidEventException extends InvalidInputException {
    public InvalidEventException(List<Violation> violations) {
        super(violations, "invalid event");
    }

    public InvalidEventException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }
}
