package io.rebound.core.activation;

/**
 * How much one request may carry: at most {@code maxRows} rows and {@code maxBytes} bytes of body.
 * {@link #NO_BYTE_LIMIT} where a platform documents none.
 *
 * @param maxRows  rows (members, events) per request
 * @param maxBytes body bytes per request
 */
public record BatchLimits(int maxRows, long maxBytes) {

    public static final long NO_BYTE_LIMIT = Long.MAX_VALUE;

    public BatchLimits {
        if (maxRows < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxRows + " rows, " + maxBytes + " bytes");
        }
    }

    /** These limits, tightened to at most {@code rows} rows and {@code bytes} bytes. */
    public BatchLimits atMost(int rows, long bytes) {
        return new BatchLimits(Math.min(maxRows, rows), Math.min(maxBytes, bytes));
    }
}
