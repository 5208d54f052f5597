package io.rebound.destinations;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a platform answered one request, classified the same way for every platform so that a
 * delivery engine can act on it without knowing the platform.
 */
public sealed interface Outcome {

    /** The platform accepted every row. {@code detail} is what it said (ids, counts). */
    record Accepted(String detail) implements Outcome {
    }

    /** Dry-run: built and recorded, not sent. */
    record Recorded() implements Outcome {
    }

    /**
     * The platform accepted the request but refused some rows; the others were applied. Resending
     * the failed rows unchanged will fail again.
     *
     * @param failed rows (indexes into the request's input list) and the platform's message for each
     * @param detail what the platform said about the request
     */
    record Partial(List<RowFailure> failed, String detail) implements Outcome {
        public Partial {
            failed = List.copyOf(failed);
        }
    }

    /**
     * Nothing was applied; the same request may succeed later (throttling, 5xx, timeouts).
     *
     * @param after  the earliest sensible retry, from {@code Retry-After} or the platform's usage headers
     * @param reason what happened, for the status page
     */
    record Retry(Duration after, String reason) implements Outcome {
        public Retry {
            Objects.requireNonNull(after, "after");
        }
    }

    /**
     * Nothing was applied and resending the same request will fail the same way (bad credentials,
     * missing permission, deleted audience, invalid data).
     *
     * @param code    the platform's error code, as text
     * @param message the platform's message
     * @param rows    input rows the platform named as the cause; empty when it blamed the whole request
     */
    record GiveUp(String code, String message, List<Integer> rows) implements Outcome {
        public GiveUp {
            rows = List.copyOf(rows);
        }
    }

    /**
     * One refused row.
     *
     * @param row     index into the input list
     * @param message the platform's message
     */
    record RowFailure(int row, String message) {
    }

    /** Whether the request's rows were applied (all, or all but the failed ones), or recorded in dry-run. */
    default boolean applied() {
        return this instanceof Accepted || this instanceof Partial || this instanceof Recorded;
    }
}
