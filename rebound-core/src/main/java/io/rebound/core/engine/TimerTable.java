package io.rebound.core.engine;

import java.time.Instant;
import java.util.List;

/**
 * Port: at most one pending timer per person. Embedded: RocksDB keyed by due time (big-endian)
 * plus a person → due index; cluster: a store scanned by a wall-clock punctuator.
 */
public interface TimerTable {

    /** A pending timer. */
    record Timer(String storeId, String personId, Instant due) {
    }

    /** Sets the person's timer, replacing any; {@code due} null removes it. */
    void set(String storeId, String personId, Instant due);

    /** Up to {@code limit} timers due at or before {@code now}, earliest first. */
    List<Timer> dueBy(Instant now, int limit);

    /** The earliest pending due instant, or null when no timer is set: when to wake up next. */
    Instant nextDue();
}
