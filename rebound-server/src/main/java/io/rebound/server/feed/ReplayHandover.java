package io.rebound.server.feed;

import io.rebound.core.event.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One subscriber's new batches while its replay runs: each is passed on at once and kept, so that the
 * replay's end can hand over those the replay did not hold. Both take this object's lock, so that a batch
 * is either handed over at the end or new after it, never both ({@link EventFeed.Subscriber}'s contract).
 */
public final class ReplayHandover {
    private final EventFeed.Subscriber subscriber;
    private final List<Event> meanwhile = new ArrayList<>();
    private boolean done;

    public ReplayHandover(EventFeed.Subscriber subscriber) {
        this.subscriber = subscriber;
    }

    /** Passes a batch of new events on, and keeps it for the handover while the replay runs. */
    public synchronized void accepted(List<Event> batch) {
        if (!done) {
            meanwhile.addAll(batch);
        }
        subscriber.accepted(batch);
    }

    /**
     * Ends the replay of {@code replayed} stored events: hands over the events kept meanwhile that
     * {@code notReplayed} keeps (all of them when the replay cannot tell); new batches are new from now on.
     * If {@code notReplayed} throws, nothing is handed over yet and this may be called again.
     */
    public synchronized void replayDone(long replayed, Predicate<Event> notReplayed) {
        List<Event> fresh = meanwhile.stream().filter(notReplayed).toList();
        meanwhile.clear();
        done = true;
        subscriber.replayDone(replayed, fresh);
    }
}
