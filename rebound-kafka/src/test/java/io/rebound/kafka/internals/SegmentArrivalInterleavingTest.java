package io.rebound.kafka.internals;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.testkit.SuccessionScenario;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MutableClock;
import io.rebound.kafka.SegmentRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 on the topology: segments created in quick succession reach each partition's catalog at
 * moments of their own (each instance and stream thread learns of a segment through the global
 * segments store, some time after the instant it took effect), while live events, backfill chunks
 * and timers run on every partition. A seeded scheduler interleaves all of these between the
 * scenario's steps; whatever the order, every segment's members — replayed from the membership
 * changes the partitions emitted, and as the person states hold them — must equal the brute-force
 * evaluation of the events sent.
 */
class SegmentArrivalInterleavingTest {

    @Test
    void segmentsLearnedAtDifferentMomentsPerPartitionMissNoMembership() {
        int seeds = Integer.getInteger("rebound.segments.seeds", 500);
        for (int seed = 1; seed <= seeds; seed++) {
            new SuccessionScenario(12 + seed % 20, 60).run(seed, new Simulation(seed));
        }
    }

    /** The topology's partitions behind the scenario's driver, with a random number of random moves after each step. */
    private static final class Simulation implements SuccessionScenario.Driver {
        private static final String STORE = SuccessionScenario.STORE;
        private final Random random;
        private final MutableClock clock = new MutableClock(SuccessionScenario.START);
        private final List<SegmentCatalog> catalogs = new ArrayList<>();
        /** Per partition, the segment records its catalog has not received yet (the global topic is one ordered log). */
        private final List<ArrayDeque<SegmentRecord>> pending = new ArrayList<>();
        private final Partitions partitions;
        private int sent;

        Simulation(int seed) {
            this.random = new Random(seed);
            int count = 2 + seed % 3;
            for (int p = 0; p < count; p++) {
                catalogs.add(new SegmentCatalog());
                pending.add(new ArrayDeque<>());
            }
            this.partitions = new Partitions(count, random, SuccessionScenario.START, clock, catalogs::get,
                    1 + random.nextInt(6));
        }

        /** Some of what a cluster may do next: deliver or consume a record, a catalog update, a punctuation. */
        private void wander() {
            for (int n = random.nextInt(12); n > 0; n--) {
                List<Runnable> moves = partitions.moves();
                for (int p = 0; p < partitions.count; p++) {
                    int partition = p;
                    if (!pending.get(p).isEmpty()) {
                        moves.add(() -> learn(partition));
                    }
                    moves.add(() -> partitions.punctuate(partition, clock.instant()));
                }
                moves.get(random.nextInt(moves.size())).run();
            }
        }

        private void learn(int partition) {
            SegmentRecord r = pending.get(partition).poll();
            catalogs.get(partition).apply(r.key(), r.encode());
        }

        @Override
        public void advanceTo(Instant now) {
            clock.advanceTo(now);
            wander();
        }

        @Override
        public void send(List<Event> events) {
            for (Event e : events) {
                partitions.produce("collector", Partitions.EVENTS, Keys.ofEvent(e), EventSerde.encode(e));
                sent++;
                wander();
            }
        }

        @Override
        public void createSegment(String segmentId, SegmentDefinition definition) {
            SegmentRecord r = new SegmentRecord(STORE, segmentId, definition, clock.instant());
            pending.forEach(q -> q.add(r));
            wander();
        }

        @Override
        public void settle() {
            for (int p = 0; p < partitions.count; p++) {
                while (!pending.get(p).isEmpty()) {
                    learn(p);
                }
            }
            partitions.drain();
            for (int p = 0; p < partitions.count; p++) {
                partitions.tick(p);
            }
            partitions.drain();
        }

        @Override
        public Set<String> members(String segmentId) {
            Map<String, Boolean> replayed = new HashMap<>();
            for (MembershipChange c : partitions.changes) {
                if (c.segmentId().equals(segmentId)) {
                    replayed.put(c.personId(), c.kind() == MembershipChange.Kind.JOINED);
                }
            }
            Set<String> members = new TreeSet<>();
            replayed.forEach((person, member) -> {
                if (member) {
                    members.add(person);
                }
            });
            Set<String> held = new TreeSet<>();
            for (Partitions.Task<PersonProcessor> t : partitions.persons) {
                try (var it = t.<String, byte[]>store(PersonProcessor.PERSONS).all()) {
                    it.forEachRemaining(kv -> {
                        PersonState s = io.rebound.core.engine.PersonStateCodec.decode(kv.value);
                        if (s.memberships().containsKey(segmentId)) {
                            held.add(s.personId());
                        }
                    });
                }
            }
            assertThat(held).as("%s: the person states agree with the change log (%d events sent)", segmentId, sent)
                    .isEqualTo(members);
            return members;
        }

        @Override
        public String personOf(String visitorId) {
            return partitions.resolve(STORE, PersonIds.anonymousKey(visitorId), visitorId);
        }
    }
}
