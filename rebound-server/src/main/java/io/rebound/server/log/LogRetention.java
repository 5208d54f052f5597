package io.rebound.server.log;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Which event-log files may go: a file is deleted once every consumer has committed
 * past its end <em>and</em> everything in it arrived more than the log retention ago
 * ({@code log-retention-hours}). The first condition means nothing is ever deleted that a
 * consumer has not processed, however old; the second keeps a replay window, like the Kafka
 * events topic's retention in cluster mode.
 *
 * <p>A record's age is its {@code receivedAt} (the collector's clock when it was accepted), not
 * its event time, which a client may backdate. Records are appended in arrival order, so the
 * first record of the next file arrived after every record of this one (give or take the
 * milliseconds between a request being received and appended): reading that one record dates
 * the whole file without scanning it. The file being written is never deleted.
 */
public final class LogRetention {
    private final RollingLog log;
    private final Duration retention;
    private final List<LongSupplier> consumers;

    /**
     * @param log       the log
     * @param retention how long a record is kept after it arrived (at least)
     * @param consumers the committed positions of every consumer of the log
     */
    public LogRetention(RollingLog log, Duration retention, List<LongSupplier> consumers) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("log retention must not be negative, got " + retention);
        }
        if (consumers.isEmpty()) {
            throw new IllegalArgumentException("at least one consumer position is needed");
        }
        this.log = log;
        this.retention = retention;
        this.consumers = List.copyOf(consumers);
    }

    public Duration retention() {
        return retention;
    }

    /** Deletes the files that may go at {@code now}; returns how many were deleted. */
    public int apply(Instant now) {
        long consumed = Long.MAX_VALUE;
        for (LongSupplier c : consumers) {
            consumed = Math.min(consumed, c.getAsLong());
        }
        Instant cutoff = now.minus(retention);
        List<Long> starts = log.fileStarts();
        long deleteBefore = starts.getFirst();
        for (int i = 0; i + 1 < starts.size(); i++) {
            long next = starts.get(i + 1);
            if (next > consumed) {
                break;
            }
            Instant newest = firstArrivalAt(next);
            if (newest == null || !newest.isBefore(cutoff)) {
                break;
            }
            deleteBefore = next;
        }
        return deleteBefore == starts.getFirst() ? 0 : log.deleteBefore(deleteBefore);
    }

    /** When the first record at {@code position} arrived, or null when there is none yet. */
    private Instant firstArrivalAt(long position) {
        List<LogRecord> first = log.read(position, 1, 1);
        return first.isEmpty() ? null : EventCodec.decode(first.getFirst().payload()).receivedAt();
    }
}
