package io.rebound.server.collect;

import io.rebound.core.event.Event;
import io.rebound.core.event.Violation;

import java.util.List;

/**
 * The outcome of parsing one request: the events to append, the messages refused (by position,
 * so a client can tell which of its messages failed), and how many messages came from bots and
 * were dropped silently.
 *
 * @param accepted        canonical events, in request order
 * @param rejected        refused messages, in request order
 * @param filteredBots    messages dropped because their user agent is a known bot or crawler
 * @param clickIdsDropped accepted events whose click ids were dropped because their consent does not
 *                        allow advertising ({@link PrivacyRules})
 */
public record BatchResult(List<Event> accepted, List<Rejection> rejected, int filteredBots, int clickIdsDropped) {

    public BatchResult {
        accepted = List.copyOf(accepted);
        rejected = List.copyOf(rejected);
    }

    public BatchResult(List<Event> accepted, List<Rejection> rejected, int filteredBots) {
        this(accepted, rejected, filteredBots, 0);
    }

    /** True when nothing was refused. */
    public boolean allAccepted() {
        return rejected.isEmpty();
    }

    /**
     * One refused message.
     *
     * @param index      its position in {@code batch} (0 for single-message endpoints)
     * @param messageId  its {@code messageId} as sent, when it had a readable one, else null
     * @param violations what is wrong, each naming a JSON path such as {@code batch[3].properties.value}
     */
    public record Rejection(int index, String messageId, List<Violation> violations) {
        public Rejection {
            violations = List.copyOf(violations);
        }
    }
}
