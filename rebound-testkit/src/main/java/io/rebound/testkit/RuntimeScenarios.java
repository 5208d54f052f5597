package io.rebound.testkit;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipChange.Kind;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.EventCondition;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import io.rebound.core.segment.Window;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import static io.rebound.testkit.TestEvents.event;
import static io.rebound.testkit.TestEvents.purchase;

/**
 * The behavioural contract every audience runtime must pass, shipped as a product in rebound-testkit
 * (like Kafka's {@code TopologyTestDriver}) so that the embedded and Kafka runtimes run exactly these scenarios:
 *
 * <pre>{@code
 * @TestFactory Stream<DynamicTest> contract() {
 *     return new RuntimeScenarios(MyRuntime::new).all().stream()
 *             .map(s -> DynamicTest.dynamicTest(s.name(), s::run));
 * }
 * }</pre>
 *
 * Each scenario gets a fresh runtime from the factory and throws {@link AssertionError} on failure.
 */
public final class RuntimeScenarios {

    /** A named scenario. */
    public record Scenario(String name, Runnable body) {
        public void run() {
            body.run();
        }
    }

    static final String STORE = "st_test";
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    private final Supplier<? extends AudienceRuntime> factory;

    public RuntimeScenarios(Supplier<? extends AudienceRuntime> factory) {
        this.factory = factory;
    }

    public List<Scenario> all() {
        List<Scenario> all = new ArrayList<>(List.of(
                new Scenario("cartAbandonerLeavesExactlyWhenTheWindowEnds", this::cartAbandonerLeavesExactlyWhenTheWindowEnds),
                new Scenario("lateTimerRecordsTheExactWindowEnd", this::lateTimerRecordsTheExactWindowEnd),
                new Scenario("viewerJoinsTheInstantAnExclusionAgesOut", this::viewerJoinsTheInstantAnExclusionAgesOut),
                new Scenario("buyerWhoAbandonsANewCartIsAnAbandonerAgain", this::buyerWhoAbandonsANewCartIsAnAbandonerAgain),
                new Scenario("duplicateEventsChangeNothing", this::duplicateEventsChangeNothing),
                new Scenario("latePurchaseEndsMembershipAtThePurchaseTime", this::latePurchaseEndsMembershipAtThePurchaseTime),
                new Scenario("futureDatedEventJoinsWhenItsTimeComes", this::futureDatedEventJoinsWhenItsTimeComes),
                new Scenario("discountSequenceMovesFromReminderToOffer", this::discountSequenceMovesFromReminderToOffer),
                new Scenario("newSegmentIsBackfilledFromRetainedHistory", this::newSegmentIsBackfilledFromRetainedHistory),
                new Scenario("segmentCreatedAtTheInstantOfAnEventIncludesIt", this::segmentCreatedAtTheInstantOfAnEventIncludesIt),
                new Scenario("deletingASegmentEndsItsMemberships", this::deletingASegmentEndsItsMemberships),
                new Scenario("erasingAPersonEndsTheirMemberships", this::erasingAPersonEndsTheirMemberships),
                new Scenario("deniedAdConsentLeavesAtTheDenialAndGrantingRejoins",
                        this::deniedAdConsentLeavesAtTheDenialAndGrantingRejoins),
                new Scenario("globalPrivacyControlKeepsAVisitorOutOfEverySegment",
                        this::globalPrivacyControlKeepsAVisitorOutOfEverySegment)));
        all.addAll(new IdentityScenarios(factory).all());
        return all;
    }

    AudienceRuntime start() {
        AudienceRuntime r = factory.get();
        r.advanceTo(T0.minus(DAY));
        return r;
    }

    static void at(AudienceRuntime r, Instant t, Event... events) {
        r.advanceTo(t);
        for (Event e : events) {
            r.accept(e);
        }
    }

    static String person(AudienceRuntime r, String visitorId) {
        return r.personOf(STORE, visitorId).orElseThrow(() -> new AssertionError("no person for " + visitorId));
    }

    static void members(AudienceRuntime r, String segment, Set<String> expected, String when) {
        Check.equal(expected, r.members(STORE, segment), "members of " + segment + " " + when);
    }

    static List<String> log(AudienceRuntime r, String segment) {
        return r.changes(STORE, segment).stream().map(c -> c.kind() + "@" + c.at()).toList();
    }

    static String joined(Instant t) {
        return Kind.JOINED + "@" + t;
    }

    static String left(Instant t) {
        return Kind.LEFT + "@" + t;
    }

    public void cartAbandonerLeavesExactlyWhenTheWindowEnds() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "yoga-mat"));
        String p = person(r, "a1");
        members(r, "abandoners", Set.of(p), "right after the add");
        Instant end = T0.plus(Duration.ofDays(7));
        r.advanceTo(end.minusMillis(1));
        members(r, "abandoners", Set.of(p), "1 ms before the window ends");
        r.advanceTo(end);
        members(r, "abandoners", Set.of(), "when the window ends");
        Check.equal(List.of(joined(T0), left(end)), log(r, "abandoners"), "change log");
        MembershipChange leave = r.changes(STORE, "abandoners").getLast();
        Check.that(leave.reason().contains("no AddToCart within 7 d"), "reason names the missing add: " + leave.reason());
    }

    public void lateTimerRecordsTheExactWindowEnd() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "yoga-mat"));
        r.advanceTo(T0.plus(Duration.ofDays(30)));
        Check.equal(List.of(joined(T0), left(T0.plus(Duration.ofDays(7)))), log(r, "abandoners"),
                "a timer processed 23 days late still dates the leave at the window end");
    }

    public void viewerJoinsTheInstantAnExclusionAgesOut() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "viewers", new SegmentDefinition("Viewers without a recent add",
                List.of(EventCondition.of(EventType.VIEW_CONTENT, Window.days(14))),
                List.of(EventCondition.of(EventType.ADD_TO_CART, Window.days(3)))));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"));
        at(r, T0.plusSeconds(3600), event(STORE, "e2", EventType.VIEW_CONTENT, "a1", T0.plusSeconds(3600), "mat"));
        String p = person(r, "a1");
        Instant agesOut = T0.plus(Duration.ofDays(3));
        r.advanceTo(agesOut.minusMillis(1));
        members(r, "viewers", Set.of(), "while the add-to-cart is within 3 days");
        r.advanceTo(agesOut);
        members(r, "viewers", Set.of(p), "the instant the add-to-cart is 3 days old");
        Check.equal(List.of(joined(agesOut)), log(r, "viewers"), "change log");
    }

    public void buyerWhoAbandonsANewCartIsAnAbandonerAgain() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(14, Scope.STORE));
        Instant bought = T0.plusSeconds(600);
        Instant again = T0.plus(Duration.ofDays(6));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"));
        at(r, bought, purchase(STORE, "e2", "a1", bought, "68.00", "mat"));
        members(r, "abandoners", Set.of(), "after buying what was in the cart");
        at(r, again, event(STORE, "e3", EventType.ADD_TO_CART, "a1", again, "block"));
        members(r, "abandoners", Set.of(person(r, "a1")), "after abandoning a new cart; the purchase was before it");
        Check.equal(List.of(joined(T0), left(bought), joined(again)), log(r, "abandoners"), "change log");
    }

    public void duplicateEventsChangeNothing() {
        AudienceRuntime once = start();
        AudienceRuntime twice = start();
        for (AudienceRuntime r : List.of(once, twice)) {
            r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
            at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"));
        }
        Event purchase = purchase(STORE, "e2", "a1", T0.plus(DAY), "20", "mat");
        at(once, T0.plus(DAY), purchase);
        at(twice, T0.plus(DAY), purchase, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"), purchase);
        at(twice, T0.plus(Duration.ofDays(2)), purchase);
        once.advanceTo(T0.plus(Duration.ofDays(20)));
        twice.advanceTo(T0.plus(Duration.ofDays(20)));
        Check.equal(log(once, "abandoners"), log(twice, "abandoners"), "change log with duplicates");
        Check.equal(once.memberships(STORE, person(once, "a1")), twice.memberships(STORE, person(twice, "a1")),
                "memberships with duplicates");
    }

    public void latePurchaseEndsMembershipAtThePurchaseTime() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"));
        Instant boughtAt = T0.plus(DAY);
        at(r, T0.plus(Duration.ofDays(2)), purchase(STORE, "e2", "a1", boughtAt, "68", "mat"));
        members(r, "abandoners", Set.of(), "after the late purchase");
        Check.equal(List.of(joined(T0), left(boughtAt)), log(r, "abandoners"),
                "the leave is dated at the purchase, not when it arrived");
    }

    public void futureDatedEventJoinsWhenItsTimeComes() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        Instant future = T0.plusSeconds(120);
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", future, "mat"));
        members(r, "abandoners", Set.of(), "before the event's time");
        r.advanceTo(future);
        members(r, "abandoners", Set.of(person(r, "a1")), "at the event's time");
        Check.equal(List.of(joined(future)), log(r, "abandoners"), "change log");
    }

    public void discountSequenceMovesFromReminderToOffer() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "reminder", SegmentTemplates.abandonerReminder(Scope.STORE));
        r.putSegment(STORE, "offer", SegmentTemplates.abandonerOffer(Scope.STORE));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "mat"));
        String p = person(r, "a1");
        members(r, "reminder", Set.of(p), "just abandoned");
        members(r, "offer", Set.of(), "just abandoned");
        r.advanceTo(T0.plus(Duration.ofDays(3)));
        members(r, "reminder", Set.of(), "3 days later");
        members(r, "offer", Set.of(p), "3 days later");
        Instant readded = T0.plus(Duration.ofDays(5));
        at(r, readded, event(STORE, "e2", EventType.ADD_TO_CART, "a1", readded, "mat"));
        members(r, "reminder", Set.of(p), "after adding to cart again");
        members(r, "offer", Set.of(), "after adding to cart again");
        r.advanceTo(readded.plus(Duration.ofDays(14)));
        members(r, "offer", Set.of(), "14 days after the last add");
        Check.equal(List.of(joined(T0), left(T0.plus(Duration.ofDays(3))), joined(readded),
                left(readded.plus(Duration.ofDays(3)))), log(r, "reminder"), "reminder log");
        Check.equal(List.of(joined(T0.plus(Duration.ofDays(3))), left(readded), joined(readded.plus(Duration.ofDays(3))),
                left(readded.plus(Duration.ofDays(14)))), log(r, "offer"), "offer log");
    }

    public void newSegmentIsBackfilledFromRetainedHistory() {
        AudienceRuntime r = start();
        at(r, T0, event(STORE, "e1", EventType.VIEW_CONTENT, "a1", T0, "mat"),
                event(STORE, "e2", EventType.VIEW_CONTENT, "a2", T0, "block"));
        Instant created = T0.plus(DAY);
        r.advanceTo(created);
        r.putSegment(STORE, "mat-viewers", SegmentTemplates.productViewers(14, new Scope("mat", null)));
        members(r, "mat-viewers", Set.of(person(r, "a1")), "right after creation");
        Check.equal(List.of(joined(created)), log(r, "mat-viewers"), "members join when the segment takes effect");
        r.advanceTo(T0.plus(Duration.ofDays(14)));
        Check.equal(List.of(joined(created), left(T0.plus(Duration.ofDays(14)))), log(r, "mat-viewers"),
                "and leave when the historical view ages out");
    }

    public void segmentCreatedAtTheInstantOfAnEventIncludesIt() {
        AudienceRuntime r = start();
        at(r, T0, purchase(STORE, "e1", "a1", T0, "10"));
        r.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE));
        members(r, "buyers", Set.of(person(r, "a1")), "created in the same millisecond as the purchase");
        r.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, new Scope("mat", null)));
        members(r, "buyers", Set.of(), "edited in the same millisecond to require the mat");
        Check.equal(List.of(joined(T0), left(T0)), log(r, "buyers"), "change log");
    }

    public void deletingASegmentEndsItsMemberships() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE));
        at(r, T0, purchase(STORE, "e1", "a1", T0, "10"));
        Instant deleted = T0.plus(DAY);
        r.advanceTo(deleted);
        r.deleteSegment(STORE, "buyers");
        members(r, "buyers", Set.of(), "after deletion");
        Check.equal(List.of(joined(T0), left(deleted)), log(r, "buyers"), "change log");
        Check.equal(java.util.Map.of(), r.memberships(STORE, person(r, "a1")), "person's memberships");
    }

    public void erasingAPersonEndsTheirMemberships() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, Scope.STORE));
        at(r, T0, purchase(STORE, "e1", "a1", T0, "10"), purchase(STORE, "e2", "a2", T0, "10"));
        String p = person(r, "a1");
        r.erasePerson(STORE, p);
        members(r, "buyers", Set.of(person(r, "a2")), "after erasing a1");
        Check.that(r.personOf(STORE, "a1").isEmpty(), "the erased visitor id is unlinked");
        Check.equal(List.of(left(T0)), r.changes(STORE, "buyers").stream()
                .filter(c -> c.personId().equals(p) && c.kind() == Kind.LEFT)
                .map(c -> c.kind() + "@" + c.at()).toList(), "erased person left");
    }

    private static Event withConsent(Event e, Consent consent) {
        return Event.builder(e.storeId(), e.eventId(), e.type(), e.eventTime(), e.receivedAt())
                .anonymousId(e.anonymousId()).products(e.products()).consent(consent).build();
    }

    /**
     * A member who denies ad personalisation leaves at the instant of the denial; later events that
     * state nothing (a server-side add to cart) do not bring them back, nor does an older event that
     * arrives late; a later grant does, dated at the grant.
     */
    public void deniedAdConsentLeavesAtTheDenialAndGrantingRejoins() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        at(r, T0, event(STORE, "e1", EventType.ADD_TO_CART, "a1", T0, "yoga-mat"));
        String p = person(r, "a1");
        members(r, "abandoners", Set.of(p), "after the add");
        Instant denied = T0.plusSeconds(3600);
        at(r, denied, withConsent(event(STORE, "e2", EventType.PAGE_VIEW, "a1", denied),
                new Consent(true, true, false, null, false)));
        members(r, "abandoners", Set.of(), "after ad_personalization was denied");
        MembershipChange leave = r.changes(STORE, "abandoners").getLast();
        Check.that(leave.reason().contains("consent"), "the leave names the consent: " + leave.reason());
        Instant later = T0.plusSeconds(7200);
        at(r, later, event(STORE, "e3", EventType.ADD_TO_CART, "a1", later, "yoga-block"),
                withConsent(event(STORE, "e4", EventType.PAGE_VIEW, "a1", T0.plusSeconds(1800)),
                        new Consent(true, true, true, null, false)));
        members(r, "abandoners", Set.of(), "after an add that states nothing and an older grant arriving late");
        Instant granted = T0.plusSeconds(3 * 3600);
        at(r, granted, withConsent(event(STORE, "e5", EventType.PAGE_VIEW, "a1", granted),
                new Consent(true, true, true, true, false)));
        members(r, "abandoners", Set.of(p), "after a grant");
        Check.equal(List.of(joined(T0), left(denied), joined(granted)), log(r, "abandoners"), "change log");
        // Nothing waits on the denied interval: the window still ends 7 days after the last add.
        r.advanceTo(later.plus(Duration.ofDays(7)));
        members(r, "abandoners", Set.of(), "when the window of the last add ends");
    }

    /** A visitor whose browser sends Global Privacy Control joins nothing, whatever they do. */
    public void globalPrivacyControlKeepsAVisitorOutOfEverySegment() {
        AudienceRuntime r = start();
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        r.putSegment(STORE, "viewers", SegmentTemplates.productViewers(14, Scope.STORE));
        Consent gpc = new Consent(null, null, null, null, true);
        at(r, T0, withConsent(event(STORE, "g1", EventType.VIEW_CONTENT, "gpc", T0, "mat"), gpc),
                event(STORE, "o1", EventType.VIEW_CONTENT, "other", T0, "mat"));
        at(r, T0.plusSeconds(60), withConsent(event(STORE, "g2", EventType.ADD_TO_CART, "gpc", T0.plusSeconds(60), "mat"),
                gpc));
        members(r, "viewers", Set.of(person(r, "other")), "viewers");
        members(r, "abandoners", Set.of(), "abandoners");
        // A segment created afterwards is backfilled under the same rule.
        r.putSegment(STORE, "late-viewers", SegmentTemplates.productViewers(30, Scope.STORE));
        members(r, "late-viewers", Set.of(person(r, "other")), "a segment created later");
    }
}
