package io.rebound.server.feed;

import io.rebound.core.event.Event;

import java.util.List;

/**
 * The accepted events, as the dashboard's in-memory views (live debugger, funnel, setup checklist)
 * need them: what is stored already, replayed once, and every new batch as it arrives. The embedded server feeds it from its visitor event index
 * ({@link EmbeddedEventFeed}); cluster mode from the events topic and the events materialised in
 * PostgreSQL ({@code io.rebound.server.cluster.ClusterEventFeed}).
 */
public interface EventFeed {

    /**
     * What a subscriber is told; {@link #accepted} and {@link #replayDone} never run at the same time. Every new batch comes at once through {@link #accepted} (the live
     * view shows it); aggregates count history from {@link #replayed} and, while the replay runs,
     * must not count new batches themselves: {@link #replayDone} hands over those that arrived
     * meanwhile and were not part of the replay, so that each event is counted exactly once.
     */
    interface Subscriber {
        /** A stored event, during the replay (on the feed's replay thread). */
        void replayed(Event event);

        /** The replay is over (also after it failed): count {@code arrivedMeanwhile}; new batches are new from now on. */
        void replayDone(long replayed, List<Event> arrivedMeanwhile);

        /** Newly accepted (deduplicated) events, as they arrive. */
        void accepted(List<Event> batch);

        /** Copies dropped because their event id was stored already (never called where the mode cannot tell). */
        default void duplicates(List<Event> batch) {
        }
    }

    /**
     * Subscribes, starting the replay on a thread of the feed's own.
     */
    void subscribe(Subscriber subscriber);
}
