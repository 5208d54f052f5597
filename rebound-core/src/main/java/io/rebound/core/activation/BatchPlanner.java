package io.rebound.core.activation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntToLongFunction;

/**
 * Splits rows into requests within a platform's row and byte limits. A request body is an envelope
 * (everything but the rows) plus the rows joined by a separator, so its size is known exactly from
 * each row's encoded size: {@code envelope + Σ row + (n − 1) × separator}. Rows keep their order
 * and each batch is a contiguous range, so a caller that commits a cursor after each accepted batch
 * knows exactly how far it got. A row that cannot fit even alone is reported, never sent.
 */
public final class BatchPlanner {

    private BatchPlanner() {
    }

    /**
     * The fixed part of a request body.
     *
     * @param envelopeBytes the body's size with no rows
     * @param separatorBytes the bytes between two rows (1 for a JSON array's comma)
     */
    public record Framing(long envelopeBytes, long separatorBytes) {
        public Framing {
            if (envelopeBytes < 0 || separatorBytes < 0) {
                throw new IllegalArgumentException("sizes cannot be negative");
            }
        }
    }

    /**
     * One request's rows: indexes {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from  first row
     * @param to    one past the last row
     * @param bytes the body size of the request
     */
    public record Batch(int from, int to, long bytes) {
        public int size() {
            return to - from;
        }
    }

    /**
     * The batches, in row order, and the rows too large for any request.
     *
     * @param batches   contiguous ranges, in order
     * @param oversized indexes of rows that exceed the byte limit alone
     */
    public record Plan(List<Batch> batches, List<Integer> oversized) {
        public Plan {
            batches = List.copyOf(batches);
            oversized = List.copyOf(oversized);
        }
    }

    /**
     * Plans {@code rowCount} rows whose encoded sizes {@code rowBytes} gives, greedily: each batch
     * takes rows until the next would break a limit.
     */
    public static Plan plan(int rowCount, IntToLongFunction rowBytes, Framing framing, BatchLimits limits) {
        Objects.requireNonNull(rowBytes, "rowBytes");
        Objects.requireNonNull(framing, "framing");
        Objects.requireNonNull(limits, "limits");
        List<Batch> batches = new ArrayList<>();
        List<Integer> oversized = new ArrayList<>();
        int from = 0;
        long bytes = framing.envelopeBytes();
        for (int i = 0; i < rowCount; i++) {
            long row = rowBytes.applyAsLong(i);
            if (row < 0) {
                throw new IllegalArgumentException("row " + i + " has a negative size");
            }
            if (framing.envelopeBytes() + row > limits.maxBytes()) {
                if (i > from) {
                    batches.add(new Batch(from, i, bytes));
                }
                oversized.add(i);
                from = i + 1;
                bytes = framing.envelopeBytes();
                continue;
            }
            int n = i - from;
            long withRow = bytes + row + (n > 0 ? framing.separatorBytes() : 0);
            if (n == limits.maxRows() || withRow > limits.maxBytes()) {
                batches.add(new Batch(from, i, bytes));
                from = i;
                withRow = framing.envelopeBytes() + row;
            }
            bytes = withRow;
        }
        if (rowCount > from) {
            batches.add(new Batch(from, rowCount, bytes));
        }
        return new Plan(batches, oversized);
    }
}
