package io.rebound.destinations.contract;

import java.time.Duration;
import java.util.List;

/** A failure a contract server can be told to answer with, once, instead of its normal answer. */
public sealed interface Fault {

    /** The platform's throttling answer (its own status, body and headers), asking to wait {@code seconds}. */
    record Throttle(int seconds) implements Fault {
    }

    /** A 5xx with the platform's error body. */
    record ServerError(int status) implements Fault {
    }

    /** No answer for {@code hold}: the client's timeout fires first. */
    record Timeout(Duration hold) implements Fault {
    }

    /** The platform's permanent error: invalid or expired credentials. */
    record Permanent() implements Fault {
    }

    /** The request is accepted except for these rows (indexes into the request's rows or events). */
    record Partial(List<Integer> rows) implements Fault {
        public Partial {
            rows = List.copyOf(rows);
        }
    }
}
