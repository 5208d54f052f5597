package io.rebound.core.engine;

import io.rebound.testkit.DifferentialScenario;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.EventCondition;
import io.rebound.core.segment.MembershipTimeline;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentEvaluator;
import io.rebound.core.segment.SegmentTemplates;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill's fast path against the plain path on generated persons: leaving a person alone must
 * be indistinguishable from processing them — now and after their next event or timer — and the
 * decision taken on stored bytes must equal the one taken on the decoded state. Segment start and
 * backfill instants fall on exact window boundaries ({@code t + w − 1 ms}, {@code t + w},
 * {@code t + w + 1 ms}) as often as elsewhere.
 */
class SegmentBackfillTest {
    private static final String STORE = "st_fast";
    private static final String NEW = "new";
    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(30);
    private static final List<SegmentDefinition> DEFINITIONS = List.copyOf(DifferentialScenario.segments().values());

    @Property(tries = 1500)
    void leavingAPersonAloneIsIndistinguishableFromProcessingThem(@ForAll long seed) {
        Random r = new Random(seed);
        List<Event> events = events(r);
        // The store's other segments, effective before any event: they give the person statuses and a timer.
        List<Segment> existing = new ArrayList<>();
        for (int i = 0; i < 1 + r.nextInt(3); i++) {
            existing.add(new Segment(STORE, "old" + i, pick(r), START.minus(Duration.ofDays(1))));
        }
        AudienceProcessor before = new AudienceProcessor(STORE, existing, RETENTION);
        PersonState person = PersonState.empty(STORE, "p1");
        Instant clock = START;
        for (Event e : events) {
            clock = max(clock, e.eventTime().plusMillis(r.nextInt(3) == 0 ? r.nextInt(3_600_000) : 0));
            person = before.onEvent(person, e, clock).state();
        }

        SegmentDefinition definition = pick(r);
        Instant effective = max(clock, boundaryOrRandom(r, events, definition));
        Instant now = r.nextBoolean() ? effective : boundaryOrRandom(r, events, definition);
        now = max(effective, now);
        List<Segment> after = new ArrayList<>(existing);
        if (r.nextInt(4) == 0 && !existing.isEmpty()) {
            // An edit: the new version of an existing segment, which the person may be a member of.
            Segment old = existing.remove(0);
            after.remove(old);
            after.add(new Segment(STORE, old.id(), definition, effective));
        } else {
            after.add(new Segment(STORE, NEW, definition, effective));
        }
        String segmentId = after.getLast().id();
        AudienceProcessor processor = new AudienceProcessor(STORE, after, RETENTION);
        SegmentBackfill backfill = new SegmentBackfill(processor, segmentId);

        byte[] stored = PersonStateCodec.encode(person);
        PersonState decoded = PersonStateCodec.decode(stored);
        SegmentBackfill.Stored fromBytes = backfill.step(stored, now);
        AudienceProcessor.Result fromState = backfill.step(decoded, now);
        AudienceProcessor.Result plain = processor.backfill(person, now);
        assertThat(fromBytes == null).as("decision on bytes = decision on the state").isEqualTo(fromState == null);
        if (fromState != null) {
            assertThat(fromState).isEqualTo(plain);
            assertThat(fromBytes.result()).isEqualTo(plain);
            assertThat(fromBytes.encoded()).as("bytes reused from the stored state = a full encoding")
                    .isEqualTo(PersonStateCodec.encode(plain.state()));
            assertThat(PersonStateCodec.decode(fromBytes.encoded())).isEqualTo(plain.state());
            return;
        }
        // Left alone: the segment can make them a member at no instant from its start on ...
        MembershipTimeline timeline = SegmentEvaluator.timeline(definition, person.visitor());
        Instant from = effective.isBefore(now) ? effective : now;
        assertThat(timeline.memberAt(from)).isFalse();
        assertThat(timeline.nextChangeAfter(from)).isNull();
        assertThat(plain.changes()).noneMatch(c -> c.segmentId().equals(segmentId));

        // ... and whatever happens next, the change log and memberships are those of the processed person.
        Instant later = now.plusMillis(r.nextInt(4) == 0 ? 0 : r.nextLong(Duration.ofDays(3).toMillis()));
        Event next = event(r, 999, later.minusMillis(r.nextLong(Duration.ofHours(30).toMillis())));
        boolean anEvent = r.nextBoolean();
        AudienceProcessor.Result skipped = anEvent ? processor.onEvent(person, next, later) : processor.onTimer(person, later);
        AudienceProcessor.Result processed = anEvent ? processor.onEvent(plain.state(), next, later)
                : processor.onTimer(plain.state(), later);
        List<MembershipChange> expected = new ArrayList<>(plain.changes());
        expected.addAll(processed.changes());
        assertThat(sorted(skipped.changes())).isEqualTo(sorted(expected));
        assertThat(skipped.state().memberships()).isEqualTo(processed.state().memberships());
    }

    @Test
    void leavesAloneWhoseOnlyAddToCartIsOlderThanTheWindowAtTheStart() {
        SegmentDefinition abandoners = SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);
        Instant effective = START.plus(Duration.ofDays(10));
        AudienceProcessor processor = new AudienceProcessor(STORE, List.of(new Segment(STORE, NEW, abandoners, effective)),
                RETENTION);
        SegmentBackfill backfill = new SegmentBackfill(processor, NEW);
        Duration week = Duration.ofDays(7);
        // Exactly a window before the start: counts on (t, t + 7 d), so not at the start — left alone.
        PersonState old = person(event("a", EventType.ADD_TO_CART, effective.minus(week)));
        // One millisecond younger: still a member at the start — processed, and joins.
        PersonState young = person(event("b", EventType.ADD_TO_CART, effective.minus(week).plusMillis(1)));
        assertThat(backfill.step(PersonStateCodec.encode(old), effective)).isNull();
        AudienceProcessor.Result joined = backfill.step(PersonStateCodec.encode(young), effective).result();
        assertThat(joined.state().memberships()).containsKey(NEW);
        // Never evaluated: always processed, whatever the events.
        PersonState fresh = new PersonState(STORE, "p", PersonIds.NONE, old.visitor(), Map.of(), null, null);
        assertThat(backfill.step(fresh, effective)).isNotNull();
    }

    @Test
    void aDeletedSegmentLeavesAloneOnlyWhoHasNoStatusInIt() {
        SegmentDefinition viewers = SegmentTemplates.productViewers(3, SegmentTemplates.Scope.STORE);
        AudienceProcessor with = new AudienceProcessor(STORE, List.of(new Segment(STORE, NEW, viewers, START)), RETENTION);
        PersonState member = with.onEvent(PersonState.empty(STORE, "p"), event("v", EventType.VIEW_CONTENT, START), START)
                .state();
        PersonState stranger = with.onEvent(PersonState.empty(STORE, "q"), event("w", EventType.PAGE_VIEW, START), START)
                .state();
        SegmentBackfill deletion = new SegmentBackfill(new AudienceProcessor(STORE, List.of(), RETENTION), NEW);
        assertThat(deletion.step(PersonStateCodec.encode(stranger), START.plusSeconds(1))).isNull();
        AudienceProcessor.Result left = deletion.step(PersonStateCodec.encode(member), START.plusSeconds(1)).result();
        assertThat(left.changes()).singleElement().satisfies(c -> assertThat(c.kind()).isEqualTo(MembershipChange.Kind.LEFT));
    }

    /** A person whose one event was processed when it happened, before the segment existed. */
    private static PersonState person(Event e) {
        return new AudienceProcessor(STORE, List.of(), RETENTION).onEvent(PersonState.empty(STORE, "p"), e,
                e.eventTime()).state();
    }

    private static Event event(String id, EventType type, Instant at) {
        return Event.builder(STORE, id, type, at, at).anonymousId("a1").build();
    }

    private static SegmentDefinition pick(Random r) {
        return DEFINITIONS.get(r.nextInt(DEFINITIONS.size()));
    }

    /** An exact window boundary of one of the events for one of the definition's conditions (± 1 ms), or any instant. */
    private static Instant boundaryOrRandom(Random r, List<Event> events, SegmentDefinition d) {
        if (r.nextInt(3) == 0 || events.isEmpty()) {
            return START.plusMillis(r.nextLong(Duration.ofDays(25).toMillis()));
        }
        List<EventCondition> leaves = new ArrayList<>();
        d.include().forEach(c -> leaves.addAll(c.leaves()));
        d.exclude().forEach(c -> leaves.addAll(c.leaves()));
        EventCondition leaf = leaves.get(r.nextInt(leaves.size()));
        Instant t = events.get(r.nextInt(events.size())).eventTime().plus(leaf.window().duration());
        return t.plusMillis(r.nextInt(3) - 1);
    }

    private static List<Event> events(Random r) {
        List<Event> out = new ArrayList<>();
        int n = r.nextInt(25);
        for (int i = 0; i < n; i++) {
            long offset = r.nextLong(Duration.ofDays(20).toMillis());
            if (r.nextInt(10) < 4) {
                offset -= offset % Duration.ofHours(1).toMillis();
            }
            out.add(event(r, i, START.plusMillis(offset)));
        }
        out.sort(Comparator.comparing(Event::eventTime));
        return out;
    }

    private static Event event(Random r, int i, Instant time) {
        int k = r.nextInt(100);
        EventType type = k < 30 ? EventType.VIEW_CONTENT : k < 55 ? EventType.ADD_TO_CART : k < 72 ? EventType.PURCHASE
                : k < 80 ? EventType.INITIATE_CHECKOUT : k < 90 ? EventType.PAGE_VIEW : EventType.CUSTOM;
        Event.Builder b = Event.builder(STORE, "e" + i, type, time, time).anonymousId("a1")
                .name(type == EventType.CUSTOM ? (r.nextBoolean() ? "Wishlisted" : "Quiz") : null);
        int p = r.nextInt(6);
        if (r.nextInt(10) > 0) {
            b.products(List.of(new Product("p" + p, "c" + (p % 3), null, 1)));
        }
        if (type == EventType.PURCHASE || r.nextInt(3) == 0) {
            b.value(BigDecimal.valueOf(500 + r.nextInt(15_000), 2)).currency(r.nextInt(4) == 0 ? "EUR" : "USD");
        }
        Map<String, Object> props = new HashMap<>();
        if (r.nextBoolean()) {
            props.put("color", r.nextBoolean() ? "red" : "blue");
        }
        if (r.nextBoolean()) {
            props.put("size", r.nextInt(6));
        }
        return b.properties(props).build();
    }

    private static List<MembershipChange> sorted(List<MembershipChange> changes) {
        return changes.stream().sorted(Comparator.comparing(MembershipChange::at)
                .thenComparing(MembershipChange::segmentId).thenComparing(c -> c.kind())).toList();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
