package io.rebound.core.event;

import java.util.List;

/** An event was rejected; the violations say which fields and why. Maps to HTTP 400. */
public final class InvalidEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidEventException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse("invalid event"));
        this.violations = List.copyOf(violations);
    }

    public InvalidEventException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }
}
