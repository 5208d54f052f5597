package io.rebound.kafka.internals;

import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology's two processors, for every partition, on in-memory stores — what a cluster runs,
 * with the broker replaced by a seeded scheduler. Every record a task forwards to one of the
 * topology's own topics travels a FIFO channel per (producing task, destination partition); a move
 * either delivers a channel's head to its partition log or has a partition's task consume the head
 * of its log: the freedom a broker and several stream threads have. Outputs (membership changes)
 * are collected in the order they are produced.
 */
final class Partitions {

    static final String EVENTS = "events";
    static final String IDENTITY = "identity";
    static final String PERSONS = "persons";

    record Destination(String topic, int partition) {
    }

    private record Channel(String from, Destination to) {
    }

    /** One task: a processor on its in-memory stores and a mock context that captures what it forwards. */
    static final class Task<P extends Processor<String, byte[], String, byte[]>> {
        final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>(config());
        final Map<String, KeyValueStore<?, ?>> stores = new HashMap<>();
        final P processor;

        Task(P processor, Instant start, List<StateSpec> specs) {
            this.processor = processor;
            context.setCurrentSystemTimeMs(start.toEpochMilli());
            context.setCurrentStreamTimeMs(start.toEpochMilli()); // records carry no later timestamps: it stays
            for (StateSpec spec : specs) {
                KeyValueStore<?, ?> store = spec.build();
                store.init(context.getStateStoreContext(), store);
                context.addStateStore(store);
                stores.put(((StateStore) store).name(), store);
            }
            processor.init(context);
        }

        private static java.util.Properties config() {
            java.util.Properties p = new java.util.Properties();
            p.put("processing.exception.handler.global.enabled", "true");
            return p;
        }

        @SuppressWarnings("unchecked")
        <K, V> KeyValueStore<K, V> store(String name) {
            return (KeyValueStore<K, V>) stores.get(name);
        }
    }

    record StateSpec(String name, Serde<?> keys, Serde<?> values) {
        KeyValueStore<?, ?> build() {
            return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values).withLoggingDisabled().build();
        }
    }

    final int count;
    private final Random random;
    final List<Task<IdentityProcessor>> identity = new ArrayList<>();
    final List<Task<PersonProcessor>> persons = new ArrayList<>();
    private final Map<Channel, ArrayDeque<Record<String, byte[]>>> channels = new LinkedHashMap<>();
    private final Map<Destination, ArrayDeque<Record<String, byte[]>>> logs = new LinkedHashMap<>();
    /** Every membership change the person tasks emitted, in order. */
    final List<MembershipChange> changes = new ArrayList<>();
    private long offset;

    /**
     * @param catalogs each partition's view of the segments (one shared view, or one per partition to
     *                 model instances and threads that learn of a segment at different moments)
     * @param chunk    persons per backfill punctuation
     */
    Partitions(int count, Random random, Instant start, Clock clock, IntFunction<SegmentCatalog> catalogs, int chunk) {
        this(count, random, start, clock, catalogs, chunk, new SelfAudit.Options(Duration.ofMinutes(1), 0, new AuditStats()));
    }

    Partitions(int count, Random random, Instant start, Clock clock, IntFunction<SegmentCatalog> catalogs, int chunk,
               SelfAudit.Options audit) {
        this(count, random, start, clock, catalogs, chunk, audit, Housekeeping.Options.DEFAULT);
    }

    Partitions(int count, Random random, Instant start, Clock clock, IntFunction<SegmentCatalog> catalogs, int chunk,
               SelfAudit.Options audit, Housekeeping.Options housekeeping) {
        this.count = count;
        this.random = random;
        for (int p = 0; p < count; p++) {
            identity.add(new Task<>(new IdentityProcessor(EVENTS), start,
                    List.of(new StateSpec(IdentityProcessor.ALIASES, Serdes.String(), Serdes.String()))));
            persons.add(new Task<>(new PersonProcessor(catalogs.apply(p), clock, Duration.ofSeconds(1),
                    new Backfiller.Options(chunk, new BackfillProgress()), audit, housekeeping), start,
                    List.of(new StateSpec(PersonProcessor.PERSONS, Serdes.String(), Serdes.ByteArray()),
                            new StateSpec(PersonProcessor.REDIRECTS, Serdes.String(), Serdes.String()),
                            new StateSpec(TimerIndex.STATE, Serdes.Bytes(), Serdes.ByteArray()),
                            new StateSpec(Backfiller.STATE, Serdes.String(), Serdes.ByteArray()))));
        }
    }

    /** What can happen next: a channel delivers its head to its partition log, or a log's head is consumed. */
    List<Runnable> moves() {
        List<Runnable> moves = new ArrayList<>();
        channels.forEach((c, q) -> {
            if (!q.isEmpty()) {
                moves.add(() -> logs.computeIfAbsent(c.to(), d -> new ArrayDeque<>()).add(q.poll()));
            }
        });
        logs.forEach((d, q) -> {
            if (!q.isEmpty()) {
                moves.add(() -> consume(d));
            }
        });
        return moves;
    }

    /** Delivers and consumes everything in flight, in a random order. */
    void drain() {
        List<Runnable> moves;
        while (!(moves = moves()).isEmpty()) {
            moves.get(random.nextInt(moves.size())).run();
        }
    }

    void produce(String from, String topic, String key, byte[] value) {
        Destination to = new Destination(topic, partitionOf(key));
        channels.computeIfAbsent(new Channel(from, to), c -> new ArrayDeque<>()).add(new Record<>(key, value, 0L));
    }

    private void consume(Destination d) {
        Record<String, byte[]> r = logs.get(d).poll();
        boolean toIdentity = !d.topic().equals(PERSONS);
        Task<?> task = toIdentity ? identity.get(d.partition()) : persons.get(d.partition());
        task.context.setRecordMetadata(d.topic(), d.partition(), offset++);
        task.context.resetForwards();
        task.processor.process(r);
        route((toIdentity ? "identity-" : "persons-") + d.partition(), task);
    }

    /** Fires partition {@code p}'s wall-clock punctuator: due timers, then a chunk of each pending backfill. */
    void punctuate(int p, Instant now) {
        Task<PersonProcessor> task = persons.get(p);
        task.context.resetForwards();
        task.context.scheduledPunctuators().getFirst().getPunctuator().punctuate(now.toEpochMilli());
        route("persons-" + p, task);
    }

    /** Sets every person task's stream time (the largest record timestamp it has seen). */
    void streamTime(Instant t) {
        for (Task<PersonProcessor> task : persons) {
            task.context.setCurrentStreamTimeMs(t.toEpochMilli());
        }
    }

    /** Has partition {@code p} process a {@link PersonCommand.Tick}: due timers fired, every pending backfill completed. */
    void tick(int p) {
        Task<PersonProcessor> task = persons.get(p);
        task.context.resetForwards();
        task.processor.process(new Record<>("tick", PersonCommand.encode(new PersonCommand.Tick()), 0L));
        route("persons-" + p, task);
    }

    /** Sends what a task forwarded on: loops to their partition logs, changes to {@link #changes}. */
    private void route(String from, Task<?> task) {
        for (MockProcessorContext.CapturedForward<? extends String, ? extends byte[]> f : task.context.forwarded()) {
            String child = f.childName().orElseThrow();
            switch (child) {
                case IdentityProcessor.IDENTITY_SINK, PersonProcessor.IDENTITY_SINK ->
                        produce(from, IDENTITY, f.record().key(), f.record().value());
                case IdentityProcessor.PERSONS_SINK, PersonProcessor.PERSONS_SINK ->
                        produce(from, PERSONS, f.record().key(), f.record().value());
                case PersonProcessor.CHANGES_SINK -> changes.add(MembershipChangeSerde.decode(f.record().value()));
                default -> {
                    // other outputs: memberships (derived from the changes), progress, acks
                }
            }
        }
    }

    String alias(String store, String idKey) {
        String key = Keys.of(store, idKey);
        return identity.get(partitionOf(key)).<String, String>store(IdentityProcessor.ALIASES).get(key);
    }

    /** The partition of a key, as the producer's default partitioner picks it. */
    int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count;
    }

    PersonState state(String store, String person) {
        String key = Keys.of(store, person);
        byte[] bytes = persons.get(partitionOf(key)).<String, byte[]>store(PersonProcessor.PERSONS).get(key);
        return bytes == null ? null : PersonStateCodec.decode(bytes);
    }

    String redirect(String store, String person) {
        String key = Keys.of(store, person);
        return Redirects.survivorOf(persons.get(partitionOf(key)).<String, String>store(PersonProcessor.REDIRECTS).get(key));
    }

    /** The person an id leads to: its alias, then redirects, to the person holding the state. */
    String resolve(String store, String idKey, String label) {
        String person = alias(store, idKey);
        Set<String> seen = new HashSet<>();
        while (person != null && state(store, person) == null) {
            assertThat(seen.add(person)).as("%s: redirect cycle through %s", label, person).isTrue();
            person = redirect(store, person);
        }
        return person;
    }
}
