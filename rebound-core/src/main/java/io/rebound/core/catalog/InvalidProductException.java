package io.rebound.core.catalog;

import io.rebound.core.event.Violation;

import java.util.List;

/**
 * A catalog product was rejected; each violation names the field as the API spells it
 * ({@code price}, {@code additional_image_links[2]}) and what was expected. Maps to HTTP 400.
 */
public final class InvalidProductException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidProductException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse("invalid product"),
                null, false, false);
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
