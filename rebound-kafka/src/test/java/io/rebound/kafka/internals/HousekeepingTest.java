package io.rebound.kafka.internals;

import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.PersonIds;
import io.rebound.testkit.TestEvents;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MutableClock;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.StoreSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster's retention pass on the real processors: what a store's retention left empty is
 * retired with its ids, under that store's retention and not the default; an event on its way to a
 * retired person links its ids back; redirects go a grace period of stream time after they were made,
 * never on the wall clock alone.
 */
class HousekeepingTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Housekeeping.Options OPTIONS = new Housekeeping.Options(Duration.ofMinutes(1), Duration.ofDays(1), 1_000);

    private final MutableClock clock = new MutableClock(T0);
    private final SegmentCatalog catalog = new SegmentCatalog();
    private final Partitions partitions = new Partitions(3, new Random(11), T0, clock, p -> catalog, 100,
            new SelfAudit.Options(Duration.ofMinutes(1), 0, new AuditStats()), OPTIONS);

    private void segment(String store, String id) {
        catalog.apply(Keys.of(store, id), new SegmentRecord(store, id,
                SegmentTemplates.productViewers(7, SegmentTemplates.Scope.STORE), T0.minusSeconds(60)).encode());
    }

    private void send(Event e) {
        partitions.produce("collector", Partitions.EVENTS, Keys.ofEvent(e), EventSerde.encode(e));
        partitions.drain();
    }

    private static Event view(String store, String id, String visitor, Instant at) {
        return TestEvents.event(store, id, EventType.VIEW_CONTENT, visitor, at, "mat");
    }

    /** Moves the wall clock to {@code at} and punctuates every partition until a whole pass has run. */
    private void housekeep(Instant at) {
        clock.advanceTo(at);
        for (int round = 0; round < 3; round++) {
            for (int p = 0; p < partitions.count; p++) {
                partitions.punctuate(p, at);
            }
            partitions.drain();
        }
    }

    @Test
    void whatTheStoresRetentionLeftEmptyIsRetiredWithItsIdsUnderThatStoresRetention() {
        catalog.apply(new StoreSettings("short", 30).key(), new StoreSettings("short", 30).encode());
        segment("short", "viewers");
        segment("long", "viewers");
        send(view("short", "e1", "v1", T0));
        send(view("long", "e2", "v1", T0));
        housekeep(T0.plus(Duration.ofMinutes(5)));
        assertThat(partitions.state("short", "a:v1").memberships()).containsKey("viewers");

        // Joined at T0, left at T0+7d, event purged at T0+30d, the left status forgotten 30 days after it.
        housekeep(T0.plus(Duration.ofDays(38)));
        assertThat(partitions.state("short", "a:v1")).isNull();
        assertThat(partitions.alias("short", "a:v1")).isNull();
        assertThat(partitions.state("long", "a:v1")).as("the default retention, 180 days").isNotNull();
        assertThat(partitions.state("long", "a:v1").visitor().isEmpty()).isFalse();

        // The visitor returns: a new person under the same name, nothing of the old one carried over.
        send(view("short", "e3", "v1", T0.plus(Duration.ofDays(38))));
        assertThat(partitions.state("short", "a:v1").memberships()).containsOnlyKeys("viewers");
        assertThat(partitions.alias("short", "a:v1")).isEqualTo("a:v1");
    }

    @Test
    void anEventOnItsWayToARetiredPersonLinksItsIdsBack() {
        catalog.apply(new StoreSettings("st", 10).key(), new StoreSettings("st", 10).encode());
        segment("st", "viewers");
        send(view("st", "e1", "v1", T0));
        send(TestEvents.identify("st", "e2", "v1", "u1", null, T0.plusSeconds(1)));
        String person = partitions.resolve("st", "a:v1", "before");
        assertThat(person).isNotNull();
        housekeep(T0.plus(Duration.ofDays(30)));
        assertThat(partitions.state("st", person)).isNull();
        assertThat(partitions.alias("st", "a:v1")).isNull();
        assertThat(partitions.alias("st", "u:u1")).isNull();

        // Resolved before the unlink landed: the record still names the retired person.
        Event late = TestEvents.identify("st", "e3", "v1", "u1", null, T0.plus(Duration.ofDays(30)));
        PersonCommand.Deliver d = new PersonCommand.Deliver(person, List.of(), List.of(), late, List.of());
        partitions.produce("identity-x", Partitions.PERSONS, Keys.of("st", person), PersonCommand.encode(d));
        partitions.drain();
        assertThat(partitions.state("st", person)).isNotNull();
        for (String idKey : PersonIds.keysOf(late)) {
            assertThat(partitions.alias("st", idKey)).as(idKey).isEqualTo(person);
        }
        assertThat(partitions.redirect("st", person)).isNull();
    }

    @Test
    void redirectsGoAGraceOfStreamTimeAfterTheyWereMadeNeverOnTheWallClockAlone() {
        segment("st", "viewers");
        partitions.streamTime(T0);
        send(view("st", "e1", "v1", T0));
        send(view("st", "e2", "v2", T0));
        send(TestEvents.identify("st", "e3", "v1", "u1", null, T0.plusSeconds(1)));
        send(TestEvents.identify("st", "e4", "v2", "u1", null, T0.plusSeconds(2)));
        String survivor = partitions.resolve("st", "u:u1", "merged");
        String absorbed = survivor.equals("a:v1") ? "a:v2" : "a:v1";
        assertThat(partitions.state("st", absorbed)).isNull();
        assertThat(partitions.redirect("st", absorbed)).isEqualTo(survivor);

        // Ten days of wall clock, but the partition's records are still from the first hours (a backlog, say).
        partitions.streamTime(T0.plus(Duration.ofHours(12)));
        housekeep(T0.plus(Duration.ofDays(10)));
        assertThat(partitions.redirect("st", absorbed)).isEqualTo(survivor);

        partitions.streamTime(T0.plus(Duration.ofHours(25)));
        housekeep(T0.plus(Duration.ofDays(10)).plus(Duration.ofMinutes(2)));
        assertThat(partitions.redirect("st", absorbed)).isNull();
        assertThat(partitions.resolve("st", "a:v1", "after")).isEqualTo(survivor);
        assertThat(partitions.resolve("st", "a:v2", "after")).isEqualTo(survivor);
    }
}
