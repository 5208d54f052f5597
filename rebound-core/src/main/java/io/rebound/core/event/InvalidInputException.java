package io.rebound.core.event;

import java.util.List;

/**
 * An input (an event, a segment or campaign definition) was rejected; the violations say which fields
 * and why. Each kind of input has its own subclass so that callers can tell them apart; the message
 * joins the violations, or names the kind of input when there are none.
 */
public abstract class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    /** @param ifNone the message when {@code violations} is empty, e.g. {@code "invalid event"} */
    protected InvalidInputException(List<Violation> violations, String ifNone) {
        super(violations.stream().map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse(ifNone));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
