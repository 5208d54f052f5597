package io.rebound.kafka.internals;

import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.testkit.TestEvents;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MutableClock;
import io.rebound.kafka.SegmentRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster's self-check finds a membership the engine lost, counts it and repairs it; a correct state passes. */
class SelfAuditTest {

    private static final String STORE = "st";
    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

    @Test
    void aLostMembershipIsFoundCountedAndRepairedWithinOneAuditInterval() {
        MutableClock clock = new MutableClock(T0);
        SegmentCatalog catalog = new SegmentCatalog();
        AuditStats stats = new AuditStats();
        Partitions partitions = new Partitions(2, new Random(7), T0, clock, p -> catalog, 100,
                new SelfAudit.Options(Duration.ofMinutes(1), 50, stats));
        catalog.apply(Keys.of(STORE, "buyers"), new SegmentRecord(STORE, "buyers",
                SegmentTemplates.pastPurchasers(30, SegmentTemplates.Scope.STORE), T0.minusSeconds(60)).encode());
        for (int v = 0; v < 10; v++) {
            Event e = TestEvents.purchase(STORE, "e" + v, "v" + v, T0.minusSeconds(3600), "50", "mat");
            partitions.produce("collector", Partitions.EVENTS, Keys.ofEvent(e), EventSerde.encode(e));
        }
        partitions.drain();
        PersonState v3 = partitions.state(STORE, "a:v3");
        assertThat(v3.memberships()).containsKey("buyers");

        // A silent divergence: the state says "not a member", and nothing in it says it was not evaluated.
        PersonState lost = new PersonState(v3.storeId(), v3.personId(), v3.ids(), v3.visitor(), Map.of(),
                v3.evaluatedAt(), v3.timerAt(), v3.evaluatedWith());
        String key = Keys.of(STORE, "a:v3");
        partitions.persons.get(partitions.partitionOf(key)).<String, byte[]>store(PersonProcessor.PERSONS)
                .put(key, PersonStateCodec.encode(lost));
        for (int p = 0; p < 2; p++) {
            partitions.punctuate(p, clock.instant()); // the first punctuation starts each partition's interval
        }
        assertThat(stats.checked()).isZero();

        clock.advanceTo(T0.plus(Duration.ofMinutes(1)));
        int before = partitions.changes.size();
        for (int p = 0; p < 2; p++) {
            partitions.punctuate(p, clock.instant());
        }
        assertThat(stats.checked()).isEqualTo(10);
        assertThat(stats.mismatches()).isEqualTo(1);
        assertThat(stats.lastMismatch()).map(c -> c.personId() + " " + c.segmentId() + " " + c.kind())
                .contains("a:v3 buyers JOINED");
        assertThat(partitions.changes.subList(before, partitions.changes.size()))
                .extracting(MembershipChange::personId, MembershipChange::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a:v3", MembershipChange.Kind.JOINED));
        assertThat(partitions.state(STORE, "a:v3").memberships()).containsKey("buyers");

        // The next audit finds every state right.
        clock.advanceTo(T0.plus(Duration.ofMinutes(2)));
        for (int p = 0; p < 2; p++) {
            partitions.punctuate(p, clock.instant());
        }
        assertThat(stats.checked()).isEqualTo(20);
        assertThat(stats.mismatches()).isEqualTo(1);
    }
}
