package io.rebound.core.engine;

import io.rebound.core.event.Event;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.store.Store;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Drives the {@link AudienceProcessor} over the four storage ports: resolves identities, merges
 * persons, persists what the processor returns, fires timers and backfills segments. Runtimes that
 * own their storage (in-memory, embedded RocksDB) are this class plus port implementations; a Kafka
 * Streams runtime calls the processor from its own processor/punctuator instead.
 *
 * <p>Single-writer: calls are serialised. Segments are held here (the metadata database is their
 * source of truth); on restart, {@link #restoreSegment} re-installs them without a backfill.
 */
public class AudienceEngine implements AudienceRuntime {

    private static final int TIMER_BATCH = 512;

    private final PersonTable persons;
    private final IdentityTable identities;
    private final TimerTable timers;
    private final MembershipTable memberships;
    private final Map<String, Map<String, Segment>> segments = new HashMap<>();
    private final Map<String, Duration> retention = new HashMap<>();
    private final Map<String, AudienceProcessor> processors = new HashMap<>();
    private Instant clock;

    public AudienceEngine(PersonTable persons, IdentityTable identities, TimerTable timers,
                          MembershipTable memberships, Instant start) {
        this.persons = persons;
        this.identities = identities;
        this.timers = timers;
        this.memberships = memberships;
        this.clock = start;
    }

    /** Sets a store's retention (default {@link Store#DEFAULT_RETENTION_DAYS} days). */
    public synchronized void setRetention(String storeId, Duration duration) {
        retention.put(storeId, duration);
        processors.remove(storeId);
    }

    /** Re-installs a segment after a restart: no backfill, its effective-from instant kept. */
    public synchronized void restoreSegment(Segment segment) {
        segments.computeIfAbsent(segment.storeId(), k -> new TreeMap<>()).put(segment.id(), segment);
        processors.remove(segment.storeId());
    }

    @Override
    public void putSegment(String storeId, String segmentId, SegmentDefinition definition) {
        putSegment(storeId, segmentId, definition, BackfillListener.NONE);
    }

    /**
     * Creates or replaces a segment effective now, then backfills person by person. The lock is
     * released between persons, so events keep flowing during a long backfill: whichever comes first
     * for a person — their backfill step or their next event — evaluates the new definition, and the
     * other finds nothing left to do.
     */
    public void putSegment(String storeId, String segmentId, SegmentDefinition definition, BackfillListener listener) {
        List<String> ids;
        synchronized (this) {
            restoreSegment(new Segment(storeId, segmentId, definition, clock));
            ids = persons.personIds(storeId);
        }
        backfill(storeId, segmentId, ids, listener);
    }

    @Override
    public void deleteSegment(String storeId, String segmentId) {
        List<String> ids;
        synchronized (this) {
            Map<String, Segment> store = segments.get(storeId);
            if (store == null || store.remove(segmentId) == null) {
                return;
            }
            processors.remove(storeId);
            ids = persons.personIds(storeId);
        }
        backfill(storeId, segmentId, ids, BackfillListener.NONE);
        synchronized (this) {
            memberships.dropSegment(storeId, segmentId);
        }
    }

    /** Runs the per-person backfill step ({@link SegmentBackfill}) over the given persons of the store. */
    private void backfill(String storeId, String segmentId, List<String> ids, BackfillListener listener) {
        long done = 0;
        for (String personId : ids) {
            synchronized (this) {
                PersonState state = persons.get(storeId, personId);
                AudienceProcessor.Result result = state == null ? null
                        : new SegmentBackfill(processor(storeId), segmentId).step(state, clock);
                if (result != null) {
                    commit(result);
                }
            }
            listener.progress(++done, ids.size());
        }
    }

    @Override
    public synchronized void accept(Event event) {
        String storeId = event.storeId();
        AudienceProcessor processor = processor(storeId);
        List<String> keys = PersonIds.keysOf(event);
        String[] linked = new String[keys.size()];
        Set<String> found = new LinkedHashSet<>(4);
        for (int i = 0; i < linked.length; i++) {
            linked[i] = identities.personOf(storeId, keys.get(i));
            if (linked[i] != null) {
                found.add(linked[i]);
            }
        }
        // One person absorbs the others, chosen by the order every runtime uses (PersonIds.SURVIVOR_ORDER).
        String survivor = found.isEmpty() ? null : PersonIds.survivor(found);
        PersonState state = survivor == null ? PersonState.empty(storeId, keys.getFirst())
                : persons.get(storeId, survivor);
        for (String other : found) {
            if (other.equals(survivor)) {
                continue;
            }
            PersonState absorbed = persons.get(storeId, other);
            AudienceProcessor.Result merged = processor.onMerge(state, absorbed, clock);
            persons.delete(storeId, other);
            timers.set(storeId, other, null);
            for (String key : absorbed.ids().keys()) {
                identities.link(storeId, key, state.personId());
            }
            commit(merged);
            state = merged.state();
        }
        for (int i = 0; i < linked.length; i++) {
            if (!state.personId().equals(linked[i])) { // most events: every key already names this person
                identities.link(storeId, keys.get(i), state.personId());
            }
        }
        commit(processor.onEvent(state, event, clock));
    }

    @Override
    public synchronized void advanceTo(Instant now) {
        if (now.isAfter(clock)) {
            clock = now;
        }
        List<TimerTable.Timer> due;
        while (!(due = timers.dueBy(clock, TIMER_BATCH)).isEmpty()) {
            for (TimerTable.Timer t : due) {
                PersonState state = persons.get(t.storeId(), t.personId());
                if (state == null) {
                    timers.set(t.storeId(), t.personId(), null);
                } else {
                    commit(processor(t.storeId()).onTimer(state, clock));
                }
            }
        }
    }

    /**
     * The earliest pending timer, or null: a wall-clock runtime sleeps until then (or the next event)
     * and calls {@link #advanceTo} with the real time, so members leave within milliseconds of the
     * window's end.
     */
    public synchronized Instant nextTimer() {
        return timers.nextDue();
    }

    @Override
    public synchronized Instant now() {
        return clock;
    }

    @Override
    public synchronized Set<String> members(String storeId, String segmentId) {
        return Set.copyOf(memberships.members(storeId, segmentId).keySet());
    }

    @Override
    public synchronized List<MembershipChange> changes(String storeId, String segmentId) {
        return memberships.changes(storeId, segmentId, 0, Integer.MAX_VALUE).stream()
                .map(MembershipTable.LoggedChange::change).toList();
    }

    @Override
    public synchronized Optional<String> personOf(String storeId, String visitorId) {
        String p = identities.personOf(storeId, PersonIds.anonymousKey(visitorId));
        return Optional.ofNullable(p != null ? p : identities.personOf(storeId, PersonIds.userKey(visitorId)));
    }

    @Override
    public synchronized Map<String, Instant> memberships(String storeId, String personId) {
        PersonState state = persons.get(storeId, personId);
        return state == null ? Map.of() : state.memberships();
    }

    @Override
    public synchronized void erasePerson(String storeId, String personId) {
        PersonState state = persons.get(storeId, personId);
        if (state == null) {
            return;
        }
        memberships.record(processor(storeId).onErase(state, clock).changes());
        persons.delete(storeId, personId);
        timers.set(storeId, personId, null);
        for (String key : state.ids().keys()) {
            identities.unlink(storeId, key);
        }
    }

    private void commit(AudienceProcessor.Result result) {
        PersonState s = result.state();
        persons.put(s);
        memberships.record(result.changes());
        timers.set(s.storeId(), s.personId(), result.nextTimer());
    }

    private AudienceProcessor processor(String storeId) {
        return processors.computeIfAbsent(storeId, id -> new AudienceProcessor(id,
                segments.getOrDefault(id, Map.of()).values(),
                retention.getOrDefault(id, Duration.ofDays(Store.DEFAULT_RETENTION_DAYS))));
    }
}
