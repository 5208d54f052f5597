package io.rebound.core.campaign;

import io.rebound.core.event.Violation;

import java.util.List;

/**
 * A campaign definition was rejected; each violation names the field (e.g.
 * {@code touches[1].offer.percent}) and what was expected. Maps to HTTP 400, never 5xx.
 */
public final class InvalidCampaignException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidCampaignException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse("invalid campaign"));
        this.violations = List.copyOf(violations);
    }

    public InvalidCampaignException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }
}
