package io.rebound.core.engine;

import io.rebound.core.engine.MembershipChange.Kind;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.rebound.testkit.TestEvents.event;
import static io.rebound.testkit.TestEvents.purchase;
import static org.assertj.core.api.Assertions.assertThat;

class AudienceProcessorTest {

    private static final String STORE = "st";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant CREATED = T0.minus(Duration.ofDays(1));
    private static final Duration DAY = Duration.ofDays(1);

    private final AudienceProcessor processor = new AudienceProcessor(STORE, List.of(
            new Segment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE), CREATED),
            new Segment(STORE, "viewers", SegmentTemplates.productViewers(14, Scope.STORE), CREATED)),
            Duration.ofDays(30));

    private static List<String> summary(AudienceProcessor.Result r) {
        return r.changes().stream().map(c -> c.segmentId() + " " + c.kind() + "@" + c.at()).toList();
    }

    @Test
    void anEventJoinsAtItsTimeAndSetsTheTimerAtTheWindowEnd() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        assertThat(summary(r)).containsExactly("abandoners JOINED@" + T0);
        assertThat(r.nextTimer()).isEqualTo(T0.plus(Duration.ofDays(7)));
        assertThat(r.state().memberships()).containsEntry("abandoners", T0);
        assertThat(r.state().ids().anonymousIds()).containsExactly("a1");
    }

    @Test
    void aTimerFiringLateRecordsEveryChangeAtItsExactInstant() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.VIEW_CONTENT, "a1", T0, "mat"), T0);
        r = processor.onEvent(r.state(), event(STORE, "e2", EventType.ADD_TO_CART, "a1", T0.plusSeconds(1), "mat"),
                T0.plusSeconds(1));
        AudienceProcessor.Result late = processor.onTimer(r.state(), T0.plus(Duration.ofDays(40)));
        assertThat(summary(late)).containsExactly("abandoners LEFT@" + T0.plusSeconds(1).plus(Duration.ofDays(7)));
        assertThat(late.changes().getFirst().reason()).isEqualTo("no AddToCart within 7 d");
        assertThat(late.state().visitor().isEmpty()).as("purged after the 30-day retention").isTrue();
        assertThat(late.nextTimer()).isNull();
    }

    /**
     * Both runtimes keep timers to the millisecond. A timer inside a millisecond (a segment saved "now" is
     * effective from an instant with microseconds) is rounded up: rounded down it would fire before its instant,
     * find nothing due, set itself to the same millisecond again, and the runtime's timer loop would never end.
     */
    @Test
    void aTimerIsKeptToTheMillisecondRoundedUpSoItNeverFiresBeforeItsInstant() {
        Instant effective = T0.plusNanos(400_000);
        AudienceProcessor p = new AudienceProcessor(STORE, List.of(new Segment(STORE, "abandoners",
                SegmentTemplates.cartAbandoners(7, Scope.STORE), effective)), Duration.ofDays(30));
        AudienceProcessor.Result r = p.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0.minusSeconds(1), "mat"), T0);
        assertThat(r.changes()).isEmpty();
        assertThat(r.nextTimer()).isEqualTo(T0.plusMillis(1));

        // Woken early within that millisecond, the timer it sets again lies after the clock.
        Instant early = T0.plusNanos(100_000);
        assertThat(p.onTimer(r.state(), early).nextTimer()).isEqualTo(T0.plusMillis(1)).isAfter(early);

        AudienceProcessor.Result due = p.onTimer(r.state(), T0.plusMillis(1));
        assertThat(summary(due)).containsExactly("abandoners JOINED@" + effective);
        assertThat(due.nextTimer()).isEqualTo(T0.minusSeconds(1).plus(Duration.ofDays(7)));
    }

    @Test
    void aSpuriousTimerChangesNothing() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        AudienceProcessor.Result again = processor.onTimer(r.state(), T0.plusSeconds(5));
        assertThat(again.changes()).isEmpty();
        assertThat(again.nextTimer()).isEqualTo(r.nextTimer());
    }

    @Test
    void aLateEventIsDatedWhenItChangedMembershipButNotBeforeTheLastRecordedChange() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        r = processor.onTimer(r.state(), T0.plus(Duration.ofDays(8)));
        assertThat(summary(r)).containsExactly("abandoners LEFT@" + T0.plus(Duration.ofDays(7)));
        // An add-to-cart from day 6 arrives on day 8: the person was in fact a member until day 13.
        AudienceProcessor.Result late = processor.onEvent(r.state(),
                event(STORE, "e2", EventType.ADD_TO_CART, "a1", T0.plus(Duration.ofDays(6)), "mat"),
                T0.plus(Duration.ofDays(8)));
        assertThat(summary(late)).containsExactly("abandoners JOINED@" + T0.plus(Duration.ofDays(7)));
        assertThat(late.nextTimer()).isEqualTo(T0.plus(Duration.ofDays(13)));
    }

    @Test
    void aDuplicateEventReturnsNoChanges() {
        Event e = event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat");
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"), e, T0);
        AudienceProcessor.Result dup = processor.onEvent(r.state(), e, T0.plusSeconds(1));
        assertThat(dup.changes()).isEmpty();
        assertThat(dup.state().visitor()).isEqualTo(r.state().visitor());
    }

    @Test
    void aMergeMovesMembershipsToTheSurvivorAtTheMergeInstant() {
        AudienceProcessor.Result anon = processor.onEvent(PersonState.empty(STORE, "a:phone"),
                event(STORE, "e1", EventType.ADD_TO_CART, "phone", T0, "mat"), T0);
        AudienceProcessor.Result user = processor.onEvent(PersonState.empty(STORE, "u:1"),
                purchase(STORE, "e2", "laptop", T0.minus(DAY), "10"), T0);
        Instant login = T0.plusSeconds(600);
        AudienceProcessor.Result merged = processor.onMerge(user.state(), anon.state(), login);
        assertThat(merged.changes()).extracting(c -> c.personId() + " " + c.segmentId() + " " + c.kind() + "@" + c.at())
                .containsExactly("a:phone abandoners LEFT@" + login, "u:1 abandoners JOINED@" + login);
        assertThat(merged.state().visitor().size()).isEqualTo(2);
        assertThat(merged.state().ids().anonymousIds()).containsExactlyInAnyOrder("phone", "laptop");
    }

    @Test
    void aDeletedSegmentsMembersLeaveOnTheNextCall() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        AudienceProcessor without = new AudienceProcessor(STORE, List.of(processor.segments().get(1)), Duration.ofDays(30));
        AudienceProcessor.Result after = without.backfill(r.state(), T0.plusSeconds(60));
        assertThat(after.changes()).extracting(MembershipChange::kind, MembershipChange::at)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.LEFT, T0.plusSeconds(60)));
        assertThat(after.state().segments()).doesNotContainKey("abandoners");
    }

    @Test
    void retentionIsAtLeastTheLongestWindow() {
        AudienceProcessor short_ = new AudienceProcessor(STORE, processor.segments(), Duration.ofDays(1));
        assertThat(short_.retention()).isEqualTo(Duration.ofDays(14));
    }

    @Test
    void personStateSurvivesItsCodec() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        PersonState s = r.state().withIds(r.state().ids().union(new PersonIds(null, java.util.Set.of("u1"),
                java.util.Set.of("h1"))));
        assertThat(PersonStateCodec.decode(PersonStateCodec.encode(s))).isEqualTo(s);
        PersonState fresh = PersonState.empty(STORE, "p2");
        assertThat(PersonStateCodec.decode(PersonStateCodec.encode(fresh))).isEqualTo(fresh);
    }

    @Test
    void aNewSegmentIsEvaluatedOnceWhetherTheBackfillOrTheNextEventComesFirst() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                purchase(STORE, "e1", "a1", T0, "10"), T0);
        Instant created = T0.plus(DAY);
        AudienceProcessor withBuyers = new AudienceProcessor(STORE, List.of(processor.segments().get(0),
                processor.segments().get(1),
                new Segment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE), created)),
                Duration.ofDays(30));
        AudienceProcessor.Result byEvent = withBuyers.onEvent(r.state(),
                event(STORE, "e2", EventType.VIEW_CONTENT, "a1", created.plusSeconds(5), "mat"), created.plusSeconds(5));
        assertThat(summary(byEvent)).containsExactly("buyers JOINED@" + created,
                "viewers JOINED@" + created.plusSeconds(5));
        assertThat(withBuyers.backfill(byEvent.state(), created.plusSeconds(9)).changes()).isEmpty();
    }

    /**
     * Issue 15: in cluster mode a segment reaches each node some time after the instant it took
     * effect. A person evaluated in between, by a processor that did not know the segment yet, must
     * still be evaluated with it by the next backfill or timer — not skipped because the segment "took
     * effect before the last evaluation".
     */
    @Test
    void aSegmentLearnedAfterItTookEffectIsEvaluatedForPersonsEvaluatedWithoutIt() {
        AudienceProcessor.Result first = processor.onEvent(PersonState.empty(STORE, "p1"),
                purchase(STORE, "e1", "a1", T0, "146"), T0);
        Instant created = T0.plus(DAY);
        Segment buyers = new Segment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE), created);
        // An event evaluated after the segment took effect, on a node that had not received it yet.
        AudienceProcessor.Result unaware = processor.onEvent(first.state(),
                event(STORE, "e2", EventType.PAGE_VIEW, "a1", created.plusMillis(3)), created.plusMillis(3));
        AudienceProcessor withBuyers = new AudienceProcessor(STORE, List.of(processor.segments().get(0),
                processor.segments().get(1), buyers), Duration.ofDays(30));
        AudienceProcessor.Result backfilled = withBuyers.backfill(unaware.state(), created.plusMillis(5));
        assertThat(summary(backfilled)).containsExactly("buyers JOINED@" + created);
        assertThat(backfilled.state().memberships()).containsKey("buyers");
        // Evaluated with the segment now: the next backfill, timer or audit finds nothing to do.
        assertThat(withBuyers.backfill(backfilled.state(), created.plusMillis(9)).changes()).isEmpty();
        assertThat(withBuyers.audit(backfilled.state(), created.plusMillis(9)).mismatches()).isEmpty();
    }

    @Test
    void aStateThatDoesNotSayWhichSegmentsItWasEvaluatedWithIsCheckedAgainstEverySegment() {
        AudienceProcessor.Result r = processor.onEvent(PersonState.empty(STORE, "p1"),
                event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), T0);
        PersonState s = r.state();
        // As a version-4 state decodes: no evaluated-with, and here a membership lost by a bug.
        PersonState old = new PersonState(s.storeId(), s.personId(), s.ids(), s.visitor(), java.util.Map.of(),
                s.evaluatedAt(), s.timerAt());
        assertThat(summary(processor.onTimer(old, T0.plusSeconds(1)))).containsExactly("abandoners JOINED@" + T0);
        // With the right fingerprint the timer trusts the state (decision 0003) and only an audit finds it.
        PersonState trusted = new PersonState(s.storeId(), s.personId(), s.ids(), s.visitor(), java.util.Map.of(),
                s.evaluatedAt(), s.timerAt(), s.evaluatedWith());
        assertThat(processor.onTimer(trusted, T0.plusSeconds(1)).changes()).isEmpty();
        AudienceProcessor.Audit audit = processor.audit(trusted, T0.plusSeconds(1));
        assertThat(audit.mismatches()).extracting(c -> c.segmentId() + " " + c.kind() + "@" + c.at())
                .containsExactly("abandoners JOINED@" + T0);
        assertThat(audit.result().state().memberships()).containsEntry("abandoners", T0);
        assertThat(processor.audit(audit.result().state(), T0.plusSeconds(2)).mismatches()).isEmpty();
    }

    @Test
    void theSegmentFingerprintIsTheSameForEqualDefinitionsAndChangesWithAnyEdit() {
        Instant at = T0.minus(DAY);
        AudienceProcessor a = new AudienceProcessor(STORE, List.of(
                new Segment(STORE, "s", SegmentTemplates.cartAbandoners(7, Scope.STORE), at)), Duration.ofDays(30));
        AudienceProcessor same = new AudienceProcessor(STORE, List.of(
                new Segment(STORE, "s", SegmentTemplates.cartAbandoners(7, Scope.STORE), at)), Duration.ofDays(30));
        AudienceProcessor edited = new AudienceProcessor(STORE, List.of(
                new Segment(STORE, "s", SegmentTemplates.cartAbandoners(8, Scope.STORE), at)), Duration.ofDays(30));
        AudienceProcessor later = new AudienceProcessor(STORE, List.of(
                new Segment(STORE, "s", SegmentTemplates.cartAbandoners(7, Scope.STORE), at.plusMillis(1))),
                Duration.ofDays(30));
        assertThat(a.evaluatedWith(T0)).isEqualTo(same.evaluatedWith(T0))
                .isNotEqualTo(edited.evaluatedWith(T0)).isNotEqualTo(later.evaluatedWith(T0))
                .isNotEqualTo(a.evaluatedWith(at)).isNotEqualTo(PersonState.UNKNOWN);
    }

    /**
     * Cluster mode: a node that has not heard of a segment yet (its partition moved there while the
     * segment was on its way) must not take a member's status in it for a deletion — no spurious
     * LEFT — while a segment known to be deleted still ends its memberships.
     */
    @Test
    void aStatusInASegmentNotKnownYetIsKeptAndOnlyAKnownDeletionEndsIt() {
        Segment buyers = new Segment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE), CREATED);
        List<Segment> all = List.of(processor.segments().get(0), processor.segments().get(1), buyers);
        AudienceProcessor knowing = new AudienceProcessor(STORE, all, Duration.ofDays(30));
        PersonState member = knowing.onEvent(PersonState.empty(STORE, "p1"), purchase(STORE, "e1", "a1", T0, "20"), T0).state();
        assertThat(member.memberships()).containsKey("buyers");
        Event view = event(STORE, "e2", EventType.PAGE_VIEW, "a1", T0.plusSeconds(1));

        AudienceProcessor lagging = new AudienceProcessor(STORE, all.subList(0, 2), Duration.ofDays(30), java.util.Set.of());
        AudienceProcessor.Result r = lagging.onEvent(member, view, T0.plusSeconds(1));
        assertThat(r.changes()).isEmpty();
        assertThat(r.state().memberships()).containsKey("buyers");
        // Once the node knows the segment, nothing changes either: the person is still a member.
        assertThat(knowing.backfill(r.state(), T0.plusSeconds(2)).changes()).isEmpty();

        AudienceProcessor deletedIt = new AudienceProcessor(STORE, all.subList(0, 2), Duration.ofDays(30),
                java.util.Set.of("buyers"));
        assertThat(summary(deletedIt.onEvent(member, view, T0.plusSeconds(1))))
                .containsExactly("buyers LEFT@" + T0.plusSeconds(1));
        assertThat(summary(processor.onEvent(member, view, T0.plusSeconds(1))))
                .as("a runtime that knows every segment: unknown means deleted")
                .containsExactly("buyers LEFT@" + T0.plusSeconds(1));
    }

    @Test
    void backfillReportsProgressPerPerson() {
        io.rebound.testkit.memory.InMemoryAudienceRuntime runtime = new io.rebound.testkit.memory.InMemoryAudienceRuntime();
        runtime.advanceTo(T0);
        for (int i = 0; i < 3; i++) {
            runtime.accept(purchase(STORE, "e" + i, "a" + i, T0, "10"));
        }
        List<String> progress = new java.util.ArrayList<>();
        runtime.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE),
                (done, total) -> progress.add(done + "/" + total));
        assertThat(progress).containsExactly("1/3", "2/3", "3/3");
        assertThat(runtime.members(STORE, "buyers")).hasSize(3);
        assertThat(runtime.nextTimer()).as("the runtime's next wake-up: the purchases age out")
                .isEqualTo(T0.plus(Duration.ofDays(30)));
    }
}
