package io.rebound.server.activation;

import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.Event;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.RollingLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The embedded server's accepted events for forwarding, read from the event log by byte position
 * (the cursor is that position as text). Each forwardable event of the store is completed with what is
 * known of its person ({@link ForwardedEvents}), so only events the audience runtime has committed are
 * read ({@code applied}): an event read ahead of it would go out without what the person's earlier
 * events taught (the email given at the cart, sent again with the purchase). Positions before the log's start (log files deleted by retention) resume at the start; a record that cannot be
 * decoded is passed over (the indexer sets it aside as a dead letter).
 *
 * @param applied the log position up to which the audience runtime has committed person states
 *                (everything before it is in {@code audiences})
 */
public record LogEventSource(RollingLog log, AudienceView audiences, LongSupplier applied) implements EventSource {
    private static final Logger LOG = LoggerFactory.getLogger(LogEventSource.class);
    private static final int MAX_BYTES = 8 << 20;

    private static final long APPLIED_POLL_MILLIS = 5;

    public LogEventSource {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(audiences, "audiences");
        Objects.requireNonNull(applied, "applied");
    }

    @Override
    public Batch read(String storeId, String cursor, int limit) {
        long position = parse(cursor);
        long from = Math.min(Math.max(position, log.start()), log.end());
        long until = applied.getAsLong();
        List<LogRecord> records = from < until ? log.read(from, limit, MAX_BYTES) : List.of();
        List<ServerEvent> out = new ArrayList<>();
        long next = from;
        for (LogRecord r : records) {
            if (r.position() >= until) {
                break; // not in the person states yet: read on the next pass
            }
            next = r.nextPosition();
            Event e;
            try {
                e = EventCodec.decode(r.payload());
            } catch (RuntimeException undecodable) {
                LOG.debug("forwarding passes over an undecodable record at {}", r.position());
                continue;
            }
            if (e.storeId().equals(storeId)) {
                ServerEvent event = ForwardedEvents.complete(e, audiences);
                if (event != null) {
                    out.add(event);
                }
            }
        }
        return new Batch(out, Long.toString(next), next != position);
    }

    private static long parse(String cursor) {
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("not an event-log cursor: " + cursor);
        }
    }

    @Override
    public boolean canAwait() {
        return true;
    }

    /**
     * Waits on the log's own signal of a durable append (the indexer follows the log the same way), then
     * for the audience runtime to commit past the cursor (milliseconds behind the append, polled).
     */
    @Override
    public boolean awaitNews(String storeId, String cursor, long timeoutMillis) throws InterruptedException {
        long position = parse(cursor);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        if (!log.awaitEnd(position, timeoutMillis)) {
            return false;
        }
        while (applied.getAsLong() <= position) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(APPLIED_POLL_MILLIS);
        }
        return true;
    }

    @Override
    public String end(String storeId) {
        return Long.toString(log.end());
    }
}
