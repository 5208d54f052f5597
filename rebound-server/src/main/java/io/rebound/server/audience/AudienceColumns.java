package io.rebound.server.audience;

import java.util.List;

/**
 * The RocksDB column families of the embedded audience runtime, opened by the server's one
 * {@link io.rebound.server.runtime.RocksDatabase}. Every key starts with the length-prefixed store id
 * (see {@link io.rebound.server.runtime.Keys}) except the due-ordered timer queue, which is global.
 *
 * <pre>
 * aud_persons      store, person                      → PersonStateCodec bytes
 * aud_identities   store, id key (a:/u:/e:)           → person id
 * aud_timers       due millis, store, person          → (empty)          due-ordered queue
 * aud_timer_index  store, person                      → due millis       person → due
 * aud_members      store, segment, person             → joined-at millis
 * aud_counts       store, segment                     → member count
 * aud_changes      store, segment, sequence           → change (kind, at, person, reason)
 * aud_sizes        store, segment, at millis          → size             size history
 * aud_activity     store, visitor id                  → last event time  (30-day unique visitors)
 * aud_meta         "offset" / "seq",store / "deleting",store,segment
 * dead_letters     consumer, position                 → the record set aside (shared with the indexer, see DeadLetters)
 * </pre>
 */
public final class AudienceColumns {
    public static final String PERSONS = "aud_persons";
    public static final String IDENTITIES = "aud_identities";
    public static final String TIMERS = "aud_timers";
    public static final String TIMER_INDEX = "aud_timer_index";
    public static final String MEMBERS = "aud_members";
    public static final String COUNTS = "aud_counts";
    public static final String CHANGES = "aud_changes";
    public static final String SIZES = "aud_sizes";
    public static final String ACTIVITY = "aud_activity";
    public static final String META = "aud_meta";

    /** All of them, for the list the server opens. */
    public static final List<String> ALL =
            List.of(PERSONS, IDENTITIES, TIMERS, TIMER_INDEX, MEMBERS, COUNTS, CHANGES, SIZES, ACTIVITY, META,
                    io.rebound.server.runtime.DeadLetters.CF);

    private AudienceColumns() {
    }
}
