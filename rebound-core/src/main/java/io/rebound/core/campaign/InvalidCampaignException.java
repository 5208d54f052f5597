package io.rebound.core.campaign;

import io.rebound.core.event.InvalidInputException;
import io.rebound.core.event.Violation;

import java.util.List;

/**
 * A campaign definition was rejected; each violation names the field (e.g.
 * {@code touches[1].offer.percent}) and what was expected. Maps to HTTP 400, never 5xx.
 */
public final class InvalidCampaignException extends InvalidInputException {
    public InvalidCampaignException(List<Violation> violations) {
        super(violations, "invalid campaign");
    }

    public InvalidCampaignException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }
}
