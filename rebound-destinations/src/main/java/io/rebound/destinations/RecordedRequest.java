package io.rebound.destinations;

import java.time.Instant;
import java.util.Objects;

/**
 * A request a destination built, as recorded: credentials redacted, body byte for byte. Live and
 * dry-run record the same thing; only live sends it.
 *
 * @param at      when it was built
 * @param mode    live or dry-run
 * @param request the request, redacted
 */
public record RecordedRequest(Instant at, Mode mode, WireRequest request) {
    public RecordedRequest {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(request, "request");
    }
}
