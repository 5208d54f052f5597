package io.rebound.server.log;

import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The embedded {@link EventLog}: canonical events encoded by {@link EventCodec} into a {@link SegmentedLog}. */
public final class FileEventLog implements EventLog {
    private final SegmentedLog log;

    public FileEventLog(Path dir, boolean fsync) {
        this.log = new SegmentedLog(dir, fsync, 128L << 20);
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
        return log.append(records).thenApply(end -> null);
    }

    /** The underlying log, for the runtime that consumes it. */
    public SegmentedLog segments() {
        return log;
    }

    @Override
    public void close() {
        log.close();
    }
}
