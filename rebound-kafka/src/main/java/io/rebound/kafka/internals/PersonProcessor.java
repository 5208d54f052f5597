package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.internals.PersonCommand.Deliver;
import io.rebound.kafka.internals.PersonCommand.Erase;
import io.rebound.kafka.internals.PersonCommand.Forget;
import io.rebound.kafka.internals.PersonCommand.Tick;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The audience engine of one partition of the persons topic: person states, redirects of absorbed
 * persons, timers; calls {@link AudienceProcessor} for events, merges, timers, erasures,
 * backfills and self-checks ({@link SelfAudit}), and writes what it returns; retires what retention
 * left empty ({@link Housekeeping}). A wall-clock punctuator fires due timers and advances
 * backfills; a {@link Tick} record does the same on demand.
 */
public final class PersonProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String PERSONS = "rebound-persons";
    public static final String REDIRECTS = "rebound-redirects";
    static final String PERSONS_SINK = "persons-loop-sink";
    static final String IDENTITY_SINK = "identity-loop-sink";
    static final String CHANGES_SINK = "changes-sink";
    static final String MEMBERSHIPS_SINK = "memberships-sink";

    private static final int TIMER_BATCH = 1024;

    private final SegmentCatalog catalog;
    private final Clock clock;
    private final Duration punctuateEvery;
    private final Backfiller.Options backfillOptions;
    private final SelfAudit.Options auditOptions;
    private final Housekeeping.Options housekeepingOptions;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> persons;
    private Redirects redirects;
    private TimerIndex timers;
    private Tracker tracker;
    private Backfiller backfiller;
    private SelfAudit audit;
    private Housekeeping housekeeping;

    public PersonProcessor(SegmentCatalog catalog, Clock clock, Duration punctuateEvery, Backfiller.Options backfill,
                           SelfAudit.Options audit, Housekeeping.Options housekeeping) {
        this.catalog = catalog;
        this.clock = clock;
        this.punctuateEvery = punctuateEvery;
        this.backfillOptions = backfill;
        this.auditOptions = audit;
        this.housekeepingOptions = housekeeping;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.persons = context.getStateStore(PERSONS);
        this.redirects = new Redirects(context.getStateStore(REDIRECTS));
        KeyValueStore<Bytes, byte[]> t = context.getStateStore(TimerIndex.STATE);
        this.timers = new TimerIndex(t);
        this.tracker = new Tracker(context);
        this.backfiller = new Backfiller(context, persons, catalog, backfillOptions, this::backfillOne);
        this.audit = new SelfAudit(persons, catalog, auditOptions);
        this.housekeeping = new Housekeeping(persons, redirects, catalog, housekeepingOptions);
        context.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, ts -> punctuate(false));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        tracker.begin(record);
        switch (PersonCommand.decode(record.value())) {
            case Deliver d -> deliver(Keys.store(record.key()), d);
            case Erase e -> erase(Keys.store(record.key()), e.personId());
            case Forget f -> forget(Keys.store(record.key()), f.personId());
            case Tick t -> punctuate(true);
        }
        tracker.end();
    }

    private Instant now() {
        return clock.instant();
    }

    /**
     * Timers due by now; then a chunk of pending backfills (all of them when {@code complete}); then,
     * when due, the self-check of a sample of persons; then a chunk of the retention pass.
     */
    private void punctuate(boolean complete) {
        Instant now = now();
        List<TimerIndex.Due> due;
        while (!(due = timers.dueBy(now, TIMER_BATCH)).isEmpty()) {
            for (TimerIndex.Due d : due) {
                byte[] bytes = persons.get(d.personKey());
                PersonState state = bytes == null ? null : PersonStateCodec.decode(bytes);
                if (state == null || !d.at().equals(state.timerAt())) {
                    timers.delete(d);
                } else {
                    write(state, processor(state.storeId()).onTimer(state, now));
                }
            }
        }
        backfiller.step(now, complete);
        audit.step(now, this::write);
        housekeeping.step(now, context.currentStreamTimeMs(), this::write, this::retire);
    }

    private void backfillOne(String personKey, Instant now) {
        byte[] bytes = persons.get(personKey);
        if (bytes != null) {
            PersonState state = PersonStateCodec.decode(bytes);
            write(state, processor(state.storeId()).backfill(state, now));
        }
    }

    private AudienceProcessor processor(String storeId) {
        return catalog.of(storeId).processor();
    }

    private void deliver(String store, Deliver d) {
        if (!d.pending().isEmpty()) {
            absorbStep(store, d);
            return;
        }
        String key = Keys.of(store, d.target());
        byte[] bytes = persons.get(key);
        boolean relink = false;
        // A new person's first record (the usual case) reads its redirect once and, finding none, writes
        // nothing there: a delete would cost a second read and a tombstone on the changelog.
        String left = bytes == null ? redirects.entry(key) : null;
        if (left != null) {
            String moved = Redirects.survivorOf(left);
            if (moved != null && !d.visited().contains(moved)) {
                // The target was absorbed, or claimed by a merge before its state existed: its survivor gets the work.
                send(store, new Deliver(moved, List.of(), d.absorbed(), d.event(), with(d.visited(), d.target())));
                return;
            }
            // Retired by housekeeping while this record was on its way: its ids were unlinked; link them back.
            relink = Redirects.isRetired(left);
            redirects.delete(key);
        }
        Instant now = now();
        AudienceProcessor processor = processor(store);
        PersonState state = bytes == null ? PersonState.empty(store, d.target()) : PersonStateCodec.decode(bytes);
        for (byte[] absorbedBytes : d.absorbed()) {
            PersonState from = PersonStateCodec.decode(absorbedBytes);
            AudienceProcessor.Result merged = processor.onMerge(state, from, now);
            write(state, merged);
            state = merged.state();
            for (String idKey : from.ids().keys()) {
                tracker.loop(IDENTITY_SINK, Keys.of(store, idKey),
                        IdentityCommand.encode(new IdentityCommand.Link(idKey, d.target(), from.personId())));
            }
        }
        if (d.event() != null) {
            write(state, processor.onEvent(state, d.event(), now));
            if (relink) {
                for (String idKey : PersonIds.keysOf(d.event())) {
                    tracker.loop(IDENTITY_SINK, Keys.of(store, idKey),
                            IdentityCommand.encode(new IdentityCommand.Link(idKey, d.target(), "")));
                }
            }
        }
    }

    /**
     * At the partition of {@code pending[0]}: hand its state over, leave a redirect to the target and
     * pass the record on. Every redirect points at a person that outranks the one it leaves
     * ({@link PersonIds#SURVIVOR_ORDER}); where this person turns out to outrank the target, or to be
     * absorbed already by a person that does, the record is re-targeted at the stronger person and the
     * old target joins the persons to absorb.
     */
    private void absorbStep(String store, Deliver d) {
        String person = d.pending().getFirst();
        String target = d.target();
        List<String> pending = new ArrayList<>(d.pending().subList(1, d.pending().size()));
        List<byte[]> absorbed = new ArrayList<>(d.absorbed());
        List<String> visited = d.visited();
        if (!person.equals(target)) {
            String key = Keys.of(store, person);
            byte[] bytes = persons.get(key);
            String moved = bytes == null ? redirects.target(key) : null;
            if (PersonIds.SURVIVOR_ORDER.compare(person, target) < 0) {
                // This person outranks the target: it survives, and the target is absorbed instead.
                pending.addFirst(target);
                target = person;
            } else if (bytes != null) {
                PersonState state = PersonStateCodec.decode(bytes);
                absorbed.add(bytes);
                persons.delete(key);
                timers.replace(key, state.timerAt(), null);
                redirects.moveTo(key, target, context.currentStreamTimeMs());
                visited = with(visited, person);
            } else if (moved == null) {
                // No state yet (its first record may still be on its way): claim it, so that record follows.
                redirects.moveTo(key, target, context.currentStreamTimeMs());
                visited = with(visited, person);
            } else if (!moved.equals(target) && !visited.contains(moved) && !pending.contains(moved)) {
                visited = with(visited, person);
                if (PersonIds.SURVIVOR_ORDER.compare(moved, target) < 0) {
                    // Absorbed already, by a person that outranks the target: that one survives.
                    pending.addFirst(target);
                    target = moved;
                } else {
                    pending.addFirst(moved);
                }
            }
        }
        send(store, new Deliver(target, pending, absorbed, d.event(), visited));
    }

    private void send(String store, Deliver d) {
        tracker.loop(PERSONS_SINK, Keys.of(store, d.next()), PersonCommand.encode(d));
    }

    private static List<String> with(List<String> list, String item) {
        List<String> l = new ArrayList<>(list);
        l.add(item);
        return l;
    }

    private void erase(String store, String personId) {
        String key = Keys.of(store, personId);
        byte[] bytes = persons.get(key);
        if (bytes == null) {
            String moved = redirects.target(key);
            if (moved != null) {
                // Absorbed: the person it went to is erased (redirects only point at stronger persons, so this ends).
                tracker.loop(PERSONS_SINK, Keys.of(store, moved), PersonCommand.encode(new Erase(moved)));
            }
            return;
        }
        PersonState state = PersonStateCodec.decode(bytes);
        emit(processor(store).onErase(state, now()).changes());
        drop(state);
    }

    /** A person retired by housekeeping: what bringing it up to date recorded, then as if erased, marked. */
    private void retire(PersonState before, AudienceProcessor.Result vacant) {
        emit(vacant.changes());
        drop(before);
        redirects.retire(Keys.of(before.storeId(), before.personId()), context.currentStreamTimeMs());
    }

    /** Deletes a person's state and timer and unlinks its ids. */
    private void drop(PersonState state) {
        String store = state.storeId();
        String personId = state.personId();
        String key = Keys.of(store, personId);
        persons.delete(key);
        timers.replace(key, state.timerAt(), null);
        List<String> names = state.ids().keys();
        for (String idKey : names) {
            tracker.loop(IDENTITY_SINK, Keys.of(store, idKey),
                    IdentityCommand.encode(new IdentityCommand.Unlink(idKey, personId, names)));
            if (!idKey.equals(personId)) {
                // Persons absorbed into this one are named after one of its ids: drop their redirects.
                tracker.loop(PERSONS_SINK, Keys.of(store, idKey), PersonCommand.encode(new Forget(idKey)));
            }
        }
    }

    private void forget(String store, String personId) {
        String key = Keys.of(store, personId);
        if (persons.get(key) == null) {
            redirects.delete(key);
        }
    }

    /** Stores what the processor returned: state, timer, changes. */
    private void write(PersonState before, AudienceProcessor.Result result) {
        PersonState s = result.state();
        String key = Keys.of(s.storeId(), s.personId());
        persons.put(key, PersonStateCodec.encode(s));
        timers.replace(key, before.personId().equals(s.personId()) ? before.timerAt() : null, result.nextTimer());
        emit(result.changes());
    }

    private void emit(List<MembershipChange> changes) {
        for (MembershipChange c : changes) {
            tracker.out(CHANGES_SINK, Keys.of(c.storeId(), c.segmentId()), MembershipChangeSerde.encode(c));
            tracker.out(MEMBERSHIPS_SINK, Keys.of(c.storeId(), c.segmentId(), c.personId()),
                    c.kind() == MembershipChange.Kind.JOINED
                            ? ByteBuffer.allocate(8).putLong(c.at().toEpochMilli()).array() : null);
        }
    }
}
