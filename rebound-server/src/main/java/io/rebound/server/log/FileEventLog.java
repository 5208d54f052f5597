package io.rebound.server.log;

import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The embedded {@link EventLog}: canonical events encoded by {@link EventCodec} into a {@link RollingLog}. */
public final class FileEventLog implements EventLog {
    /** Per event-loop thread: a flush of this log is already scheduled after the current pass. */
    private final ThreadLocal<Boolean> flushScheduled = ThreadLocal.withInitial(() -> false);
    private final RollingLog log;

    public FileEventLog(Path dir, boolean fsync) {
        this(dir, fsync, 128L << 20);
    }

    /** A log whose log files roll at {@code fileBytes}: the unit in which retention deletes. */
    public FileEventLog(Path dir, boolean fsync, long fileBytes) {
        this.log = new RollingLog(dir, fsync, fileBytes);
    }

    @Override
    public CompletableFuture<Void> append(List<Event> events) {
        if (events.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<byte[]> records = new ArrayList<>(events.size());
        for (Event e : events) {
            records.add(EventCodec.encode(e));
        }
        CompletableFuture<Long> done = log.enqueue(records);
        Context context = Vertx.currentContext();
        // On the event loop's own thread only: a blocking handler's worker thread has the event loop's
        // context too, and a flag it set there would never be cleared (the task runs on the loop's thread),
        // leaving that worker's later appends unflushed.
        if (context != null && Context.isOnEventLoopThread()) {
            // One write per pass of this event loop over its ready connections, not one per request:
            // the flush task runs after the pass, and the requests' answers wait for it anyway.
            if (!flushScheduled.get()) {
                flushScheduled.set(true);
                context.runOnContext(v -> {
                    flushScheduled.set(false);
                    log.flush();
                });
            }
        } else {
            log.flush();
        }
        return done.thenApply(end -> null);
    }

    /** The underlying log, for the runtime that consumes it. */
    public RollingLog records() {
        return log;
    }

    @Override
    public void close() {
        log.close();
    }
}
