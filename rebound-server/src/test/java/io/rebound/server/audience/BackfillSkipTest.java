package io.rebound.server.audience;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.testkit.memory.InMemoryAudienceRuntime;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.rebound.testkit.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill's skip of persons who cannot qualify (no event of an include type) and have no
 * status in the segment: memberships and change log stay exactly those of the reference runtime,
 * over more persons than one backfill chunk, and a member of an edited segment is still re-evaluated.
 */
class BackfillSkipTest {
    private static final String STORE = "st_skip";
    private static final String SEGMENT = "sg_skip";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant T1 = T0.plus(Duration.ofMinutes(1));
    private static final int PERSONS = 3 * EmbeddedAudienceRuntime.BACKFILL_CHUNK + 17;

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE);

    /** Every 7th visitor adds to cart (some also buy); the rest only view pages or products. */
    private static List<Event> events() {
        List<Event> out = new ArrayList<>();
        for (int v = 0; v < PERSONS; v++) {
            String visitor = "v" + v;
            Instant at = T0.minus(Duration.ofHours(1 + v % 100));
            out.add(event(STORE, visitor + "-pv", EventType.PAGE_VIEW, visitor, at));
            if (v % 3 == 0) {
                out.add(event(STORE, visitor + "-vc", EventType.VIEW_CONTENT, visitor, at.plusSeconds(5), "yoga-mat"));
            }
            if (v % 7 == 0) {
                out.add(event(STORE, visitor + "-atc", EventType.ADD_TO_CART, visitor, at.plusSeconds(10), "yoga-mat"));
            }
            if (v % 14 == 0) {
                out.add(event(STORE, visitor + "-buy", EventType.PURCHASE, visitor, at.plusSeconds(20), "yoga-mat"));
            }
        }
        return out;
    }

    /** Events processed at T0, then the clock moves on a minute (segments are created at T1). */
    private static void feed(AudienceRuntime runtime, List<Event> events) {
        runtime.advanceTo(T0);
        if (runtime instanceof AudienceHarness h) {
            h.append(events.toArray(Event[]::new));
            h.runtime.sync();
        } else {
            events.forEach(runtime::accept);
        }
        runtime.advanceTo(T1);
    }

    /** Members as visitor ids (person ids differ between runtimes). */
    private static Set<String> members(AudienceRuntime runtime) {
        Set<String> out = new TreeSet<>();
        for (int v = 0; v < PERSONS; v++) {
            String visitor = "v" + v;
            runtime.personOf(STORE, visitor).filter(p -> runtime.members(STORE, SEGMENT).contains(p))
                    .ifPresent(p -> out.add(visitor));
        }
        return out;
    }

    /** The change log as "visitor kind at" lines. */
    private static List<String> changes(AudienceRuntime runtime) {
        java.util.Map<String, String> visitorOf = new java.util.HashMap<>();
        for (int v = 0; v < PERSONS; v++) {
            String visitor = "v" + v;
            runtime.personOf(STORE, visitor).ifPresent(p -> visitorOf.put(p, visitor));
        }
        List<String> out = new ArrayList<>();
        for (MembershipChange c : runtime.changes(STORE, SEGMENT)) {
            out.add(visitorOf.get(c.personId()) + " " + c.kind() + " " + c.at());
        }
        out.sort(null);
        return out;
    }

    @Test
    void skippingWhoCannotQualifyGivesTheReferenceMembershipsAndLeavesTheirStateUntouched() {
        List<Event> events = events();
        SegmentDefinition abandoners = SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);
        try (AudienceHarness embedded = META.freshHarness()) {
            InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime(T0);
            feed(embedded, events);
            feed(reference, events);
            embedded.putSegment(STORE, SEGMENT, abandoners);
            reference.putSegment(STORE, SEGMENT, abandoners);

            Set<String> expected = members(reference);
            assertThat(expected).hasSizeGreaterThan(10);
            assertThat(members(embedded)).isEqualTo(expected);
            assertThat(changes(embedded)).isEqualTo(changes(reference));

            // The skip did happen: a page-viewer-only person was never re-evaluated under the new
            // segment (evaluated-at still their last event), an add-to-cart person was.
            AudienceReader reader = embedded.runtime.reader();
            String skipped = reader.personOf(STORE, "v1").orElseThrow();
            String processed = reader.personOf(STORE, "v7").orElseThrow();
            assertThat(reader.person(STORE, skipped).orElseThrow().evaluatedAt()).isEqualTo(T0);
            assertThat(reader.person(STORE, processed).orElseThrow().evaluatedAt()).isEqualTo(T1);

            // A skipped person who now adds to cart joins as usual: the definition applies on their next event.
            Instant later = T1.plus(Duration.ofHours(1));
            Event cart = event(STORE, "v1-atc-late", EventType.ADD_TO_CART, "v1", later, "yoga-mat");
            embedded.advanceTo(later);
            reference.advanceTo(later);
            embedded.accept(cart);
            reference.accept(cart);
            assertThat(members(embedded)).contains("v1").isEqualTo(members(reference));
            assertThat(changes(embedded)).isEqualTo(changes(reference));
        }
    }

    @Test
    void aMemberOfAnEditedSegmentTheyCannotMatchIsStillProcessedAndLeaves() {
        List<Event> events = events();
        SegmentDefinition abandoners = SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);
        // Nobody who only added to cart has a purchase: the abandoners cannot match the new definition.
        SegmentDefinition purchasers = SegmentTemplates.pastPurchasers(30, SegmentTemplates.Scope.STORE);
        try (AudienceHarness embedded = META.freshHarness()) {
            InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime(T0);
            feed(embedded, events);
            feed(reference, events);
            embedded.putSegment(STORE, SEGMENT, abandoners);
            reference.putSegment(STORE, SEGMENT, abandoners);
            assertThat(members(embedded)).contains("v7");

            Instant later = T1.plus(Duration.ofMinutes(5));
            embedded.advanceTo(later);
            reference.advanceTo(later);
            embedded.putSegment(STORE, SEGMENT, purchasers);
            reference.putSegment(STORE, SEGMENT, purchasers);

            assertThat(members(embedded)).doesNotContain("v7").contains("v14").isEqualTo(members(reference));
            assertThat(changes(embedded)).contains("v7 LEFT " + later).isEqualTo(changes(reference));
        }
    }
}
