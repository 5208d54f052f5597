package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.internals.PersonCommand.Deliver;
import io.rebound.kafka.internals.PersonCommand.Erase;
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
 * persons, timers; calls {@link AudienceProcessor} for events, merges, timers, erasures and
 * backfills, and writes what it returns. A wall-clock punctuator fires due timers and advances
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
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> persons;
    private KeyValueStore<String, String> redirects;
    private TimerIndex timers;
    private Tracker tracker;
    private Backfiller backfiller;

    public PersonProcessor(SegmentCatalog catalog, Clock clock, Duration punctuateEvery, Backfiller.Options backfill) {
        this.catalog = catalog;
        this.clock = clock;
        this.punctuateEvery = punctuateEvery;
        this.backfillOptions = backfill;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.persons = context.getStateStore(PERSONS);
        this.redirects = context.getStateStore(REDIRECTS);
        KeyValueStore<Bytes, byte[]> t = context.getStateStore(TimerIndex.STORE);
        this.timers = new TimerIndex(t);
        this.tracker = new Tracker(context);
        this.backfiller = new Backfiller(context, persons, catalog, backfillOptions, this::backfillOne);
        context.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, ts -> punctuate(false));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        tracker.begin(record);
        switch (PersonCommand.decode(record.value())) {
            case Deliver d -> deliver(Keys.store(record.key()), d);
            case Erase e -> erase(Keys.store(record.key()), e.personId(), new ArrayList<>());
            case Tick t -> punctuate(true);
        }
        tracker.end();
    }

    private Instant now() {
        return clock.instant();
    }

    /** Timers due by now; then a chunk of pending backfills (all of them when {@code complete}). */
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
        if (d.fresh()) {
            redirects.delete(key);
        }
        byte[] bytes = persons.get(key);
        if (bytes == null) {
            String moved = redirects.get(key);
            if (moved != null && !moved.equals(d.target()) && !d.visited().contains(moved)) {
                // The target was absorbed meanwhile: its survivor gets the work.
                List<String> visited = new ArrayList<>(d.visited());
                visited.add(d.target());
                Deliver on = new Deliver(moved, false, List.of(), d.absorbed(), d.event(), visited);
                tracker.loop(PERSONS_SINK, Keys.of(store, moved), PersonCommand.encode(on));
                return;
            }
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
        }
    }

    /** At the partition of {@code pending[0]}: hand its state over and pass the record on. */
    private void absorbStep(String store, Deliver d) {
        String person = d.pending().getFirst();
        List<String> pending = new ArrayList<>(d.pending().subList(1, d.pending().size()));
        List<byte[]> absorbed = new ArrayList<>(d.absorbed());
        List<String> visited = new ArrayList<>(d.visited());
        visited.add(person);
        String key = Keys.of(store, person);
        if (!person.equals(d.target())) {
            byte[] bytes = persons.get(key);
            if (bytes != null) {
                PersonState state = PersonStateCodec.decode(bytes);
                absorbed.add(bytes);
                persons.delete(key);
                timers.replace(key, state.timerAt(), null);
                redirects.put(key, d.target());
            } else {
                String moved = redirects.get(key);
                if (moved != null && !moved.equals(d.target()) && !visited.contains(moved) && !pending.contains(moved)) {
                    pending.addFirst(moved);
                }
            }
        }
        Deliver on = new Deliver(d.target(), d.fresh(), pending, absorbed, d.event(), visited);
        tracker.loop(PERSONS_SINK, Keys.of(store, on.next()), PersonCommand.encode(on));
    }

    private void erase(String store, String personId, List<String> visited) {
        String key = Keys.of(store, personId);
        byte[] bytes = persons.get(key);
        if (bytes == null) {
            String moved = redirects.get(key);
            if (moved != null && !visited.contains(moved)) {
                visited.add(personId);
                erase(store, moved, visited);
            }
            return;
        }
        PersonState state = PersonStateCodec.decode(bytes);
        emit(processor(store).onErase(state, now()).changes());
        persons.delete(key);
        timers.replace(key, state.timerAt(), null);
        for (String idKey : state.ids().keys()) {
            tracker.loop(IDENTITY_SINK, Keys.of(store, idKey),
                    IdentityCommand.encode(new IdentityCommand.Unlink(idKey, personId)));
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
