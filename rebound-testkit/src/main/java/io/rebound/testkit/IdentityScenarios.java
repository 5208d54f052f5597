package io.rebound.testkit;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import static io.rebound.testkit.RuntimeScenarios.STORE;
import static io.rebound.testkit.RuntimeScenarios.T0;
import static io.rebound.testkit.RuntimeScenarios.at;
import static io.rebound.testkit.RuntimeScenarios.members;
import static io.rebound.testkit.RuntimeScenarios.person;
import static io.rebound.testkit.TestEvents.event;
import static io.rebound.testkit.TestEvents.identify;
import static io.rebound.testkit.TestEvents.purchase;

/** Contract scenarios about identity merges and arrival order; part of {@link RuntimeScenarios#all()}. */
final class IdentityScenarios {

    private final Supplier<? extends AudienceRuntime> factory;

    IdentityScenarios(Supplier<? extends AudienceRuntime> factory) {
        this.factory = factory;
    }

    List<RuntimeScenarios.Scenario> all() {
        return List.of(
                new RuntimeScenarios.Scenario("identifyMergesPersonsAndMembershipsFollow", this::identifyMergesPersonsAndMembershipsFollow),
                new RuntimeScenarios.Scenario("eventsOfLinkedIdsCountForOnePerson", this::eventsOfLinkedIdsCountForOnePerson),
                new RuntimeScenarios.Scenario("lateEventsGiveTheSameMembershipsAsInOrderDelivery", this::lateEventsGiveTheSameMembershipsAsInOrderDelivery));
    }

    private AudienceRuntime start() {
        AudienceRuntime r = factory.get();
        r.advanceTo(T0.minus(Duration.ofDays(1)));
        r.putSegment(STORE, "viewers", SegmentTemplates.productViewers(14, Scope.STORE));
        r.putSegment(STORE, "abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        return r;
    }

    void identifyMergesPersonsAndMembershipsFollow() {
        AudienceRuntime r = start();
        at(r, T0, event(STORE, "e1", EventType.VIEW_CONTENT, "laptop", T0, "mat"),
                event(STORE, "e2", EventType.ADD_TO_CART, "phone", T0, "block"));
        String laptop = person(r, "laptop");
        String phone = person(r, "phone");
        Check.that(!laptop.equals(phone), "two browsers are two persons until identified");
        members(r, "viewers", Set.of(laptop), "before identify");
        members(r, "abandoners", Set.of(phone), "before identify");
        Instant login1 = T0.plusSeconds(3600);
        Instant login2 = T0.plusSeconds(7200);
        at(r, login1, identify(STORE, "i1", "laptop", "u1", "hash1", login1));
        at(r, login2, identify(STORE, "i2", "phone", "u1", null, login2));
        String merged = person(r, "phone");
        Check.equal(merged, person(r, "laptop"), "both browsers belong to one person");
        Check.equal(merged, person(r, "u1"), "the user id belongs to that person");
        members(r, "abandoners", Set.of(merged), "after the merge");
        members(r, "viewers", Set.of(), "after the merge: the person did add to cart");
        List<MembershipChange> abandoners = r.changes(STORE, "abandoners");
        Check.that(abandoners.stream().anyMatch(c -> c.personId().equals(phone) && c.kind() == MembershipChange.Kind.LEFT
                        && c.at().equals(login2)) || phone.equals(merged),
                "the absorbed person left at the merge: " + abandoners);
        Check.that(r.memberships(STORE, merged).containsKey("abandoners"), "memberships follow the merged person");
    }

    void eventsOfLinkedIdsCountForOnePerson() {
        AudienceRuntime r = start();
        at(r, T0, identify(STORE, "i1", "laptop", "u1", null, T0));
        Instant later = T0.plusSeconds(60);
        at(r, later, event(STORE, "e1", EventType.ADD_TO_CART, "laptop", later, "mat"));
        Instant bought = T0.plusSeconds(120);
        Event serverPurchase = Event.builder(STORE, "e2", EventType.PURCHASE, bought, bought).userId("u1").build();
        at(r, bought, serverPurchase);
        members(r, "abandoners", Set.of(), "a purchase sent by the backend with the user id counts");
        Check.equal(1L, r.changes(STORE, "abandoners").stream()
                .filter(c -> c.kind() == MembershipChange.Kind.LEFT).count(), "one leave");
    }

    void lateEventsGiveTheSameMembershipsAsInOrderDelivery() {
        List<Event> events = new ArrayList<>();
        String[] visitors = {"v1", "v2", "v3"};
        EventType[] types = {EventType.VIEW_CONTENT, EventType.ADD_TO_CART, EventType.PURCHASE};
        for (int i = 0; i < 24; i++) {
            Instant t = T0.plus(Duration.ofHours(7L * i));
            EventType type = types[(i * 7) % 3];
            String v = visitors[(i * 5) % 3];
            events.add(type == EventType.PURCHASE ? purchase(STORE, "e" + i, v, t, "30")
                    : event(STORE, "e" + i, type, v, t, "p" + (i % 2)));
        }
        AudienceRuntime inOrder = start();
        for (Event e : events) {
            at(inOrder, e.eventTime(), e);
        }
        AudienceRuntime late = start();
        Instant end = events.getLast().eventTime();
        late.advanceTo(end);
        for (Event e : events.reversed()) {
            late.accept(e);
        }
        for (int day = 0; day <= 20; day++) {
            Instant t = end.plus(Duration.ofDays(day));
            inOrder.advanceTo(t);
            late.advanceTo(t);
            for (String segment : List.of("viewers", "abandoners")) {
                Check.equal(inOrder.members(STORE, segment), late.members(STORE, segment),
                        segment + " at " + t + " (late delivery vs in order)");
            }
        }
    }
}
