package io.rebound.server.audience;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Members by days since their qualifying action, as the embedded runtime counts them: from the
 * person states behind the members index, every member or an even sample.
 */
class RecencySamplerTest {
    private static final String STORE = "st_recency";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE);

    private static Event addToCart(String id, String visitor, Instant at) {
        return Event.builder(STORE, id, EventType.ADD_TO_CART, at, at).anonymousId(visitor).build();
    }

    @Test
    void backfilledMembersAreCountedByDaysSinceTheirAddToCartNotSinceTheyJoined() {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            h.append(addToCart("e1", "v1", T0.minus(Duration.ofDays(2))),
                    addToCart("e2", "v2", T0.minus(Duration.ofDays(10))),
                    addToCart("e3", "v3", T0.minus(Duration.ofDays(20)).plusSeconds(1)),
                    addToCart("e4", "v3", T0.minus(Duration.ofDays(25))),
                    addToCart("e5", "v4", T0.minus(Duration.ofDays(31))));
            h.advanceTo(T0);
            h.putSegment(STORE, "carts", SegmentTemplates.cartAbandoners(30, Scope.STORE));
            SegmentRecord s = h.runtime.segment(STORE, "carts").orElseThrow();

            Recency r = h.runtime.reader().recency(s, 14, 2_000, T0).orElseThrow();
            assertThat(r.action()).isEqualTo("add to cart");
            assertThat(r.members()).isEqualTo(3);
            assertThat(r.sampled()).isEqualTo(3);
            assertThat(r.isSample()).isFalse();
            assertThat(r.days()).isEqualTo(14);
            // v1 added two days ago, v2 ten; v3's latest add, just under 20 days ago, falls in "14 or more"; v4's is out.
            assertThat(r.counts()).containsExactly(0L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 1L);

            // A day later everyone is a day older, though nobody joined or left.
            Recency later = h.runtime.reader().recency(s, 14, 2_000, T0.plus(Duration.ofDays(1))).orElseThrow();
            assertThat(later.counts().get(3)).isEqualTo(1L);
            assertThat(later.counts().get(11)).isEqualTo(1L);
        }
    }

    @Test
    void aSegmentLargerThanTheSampleIsCountedOverAnEvenSample() {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            Event[] events = new Event[30];
            for (int i = 0; i < events.length; i++) {
                events[i] = addToCart("e" + i, "v" + i, T0.minus(Duration.ofDays(i % 5)));
            }
            h.append(events);
            h.advanceTo(T0);
            h.putSegment(STORE, "carts", SegmentTemplates.cartAbandoners(7, Scope.STORE));
            SegmentRecord s = h.runtime.segment(STORE, "carts").orElseThrow();

            Recency r = h.runtime.reader().recency(s, 7, 10, T0).orElseThrow();
            assertThat(r.isSample()).isTrue();
            assertThat(r.sampled()).isEqualTo(10);
            assertThat(r.members()).isEqualTo(30);
            assertThat(r.counted()).isEqualTo(10);
            assertThat(r.counts().subList(5, 8)).containsOnly(0L);

            Recency all = h.runtime.reader().recency(s, 7, 30, T0).orElseThrow();
            assertThat(all.isSample()).isFalse();
            assertThat(all.counts()).containsExactly(6L, 6L, 6L, 6L, 6L, 0L, 0L, 0L);
        }
    }
}
