package io.rebound.core.port;

import io.rebound.core.event.Event;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable, append-only log of accepted events: the seam between the collector and
 * every runtime. Embedded: local log files; cluster: a Kafka topic keyed by store + visitor.
 *
 * <p>The returned future completes only once every event is durable (survives the process
 * being killed; with fsync enabled, survives power loss). The collector acknowledges after that.
 */
public interface EventLog extends AutoCloseable {

    /** Appends events in order; completes when all are durable, exceptionally if none can be. */
    CompletableFuture<Void> append(List<Event> events);

    @Override
    void close();
}
