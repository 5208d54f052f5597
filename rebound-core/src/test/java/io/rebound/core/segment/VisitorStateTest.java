package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class VisitorStateTest {

    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    static Event event(String id, EventType type, Instant t, String... products) {
        return Event.builder("st", id, type, t, t).anonymousId("a1")
                .products(java.util.Arrays.stream(products).map(Product::of).toList()).build();
    }

    /** Random events with shared times, products, values and properties. */
    static List<Event> randomEvents(long seed, int n) {
        Random r = new Random(seed);
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instant t = T0.plusSeconds(3600L * r.nextInt(48));
            EventType type = EventType.values()[r.nextInt(EventType.values().length)];
            out.add(Event.builder("st", "e" + i, type, t, t).anonymousId("a1")
                    .name(type == EventType.CUSTOM ? "Quiz" : null)
                    .products(List.of(new Product("p" + r.nextInt(5), "c" + r.nextInt(2), null, 1)))
                    .value(r.nextBoolean() ? BigDecimal.valueOf(r.nextInt(100_000), 2) : null)
                    .currency("USD")
                    .properties(Map.of("size", r.nextInt(5), "color", r.nextBoolean() ? "red" : "blue", "vip", true))
                    .build());
        }
        return out;
    }

    private static VisitorState fold(List<Event> events) {
        VisitorState s = VisitorState.EMPTY;
        for (Event e : events) {
            s = s.add(e);
        }
        return s;
    }

    @Property(tries = 200)
    void arrivalOrderAndRedeliveryNeverMatter(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int n) {
        List<Event> events = randomEvents(seed, n);
        List<Event> redelivered = new ArrayList<>(events);
        Random r = new Random(seed + 1);
        for (int i = 0; i < n / 3; i++) {
            redelivered.add(events.get(r.nextInt(n)));
        }
        Collections.shuffle(redelivered, r);
        assertThat(fold(redelivered)).isEqualTo(fold(events));
        assertThat(fold(events).size()).isEqualTo(n);
    }

    @Property(tries = 100)
    void addingARetainedEventIdReturnsTheSameState(@ForAll long seed) {
        List<Event> events = randomEvents(seed, 20);
        VisitorState once = fold(events);
        assertThat(once.add(events.get(7))).isSameAs(once);
    }

    @Property(tries = 100)
    void mergeIsTheUnionInEitherDirection(@ForAll long seed) {
        List<Event> events = randomEvents(seed, 30);
        VisitorState a = fold(events.subList(0, 18));
        VisitorState b = fold(events.subList(12, 30));
        assertThat(a.merge(b)).isEqualTo(b.merge(a)).isEqualTo(fold(events));
    }

    @Test
    void eventsAreKeptInEventTimeOrder() {
        VisitorState s = VisitorState.EMPTY
                .add(event("late", EventType.PURCHASE, T0.plusSeconds(10)))
                .add(event("early", EventType.VIEW_CONTENT, T0));
        assertThat(s.events()).extracting(RetainedEvent::type).containsExactly(EventType.VIEW_CONTENT, EventType.PURCHASE);
        assertThat(s.oldest()).isEqualTo(T0);
    }

    @Test
    void purgeBeforeDropsOnlyOlderEvents() {
        VisitorState s = VisitorState.EMPTY
                .add(event("1", EventType.VIEW_CONTENT, T0))
                .add(event("2", EventType.VIEW_CONTENT, T0.plusSeconds(10)));
        assertThat(s.purgeBefore(T0)).isSameAs(s);
        assertThat(s.purgeBefore(T0.plusMillis(1)).size()).isEqualTo(1);
        assertThat(s.purgeBefore(T0.plusSeconds(11)).isEmpty()).isTrue();
    }

    @Test
    void retainsWhatConditionsCanAskAbout() {
        Event e = Event.builder("st", "x", EventType.CUSTOM, T0, T0).anonymousId("a").name("Quiz Completed")
                .products(List.of(new Product("mat", "mats", null, 1), new Product("strap", "mats", null, 2)))
                .value(new BigDecimal("12.50")).currency("EUR")
                .properties(Map.of("score", 7, "nested", Map.of("x", 1), "ok", true)).build();
        RetainedEvent r = RetainedEvent.of(e);
        assertThat(r.name()).isEqualTo("Quiz Completed");
        assertThat(r.productIds()).containsExactly("mat", "strap");
        assertThat(r.categories()).containsExactly("mats");
        assertThat(r.properties()).containsOnlyKeys("score", "ok").containsEntry("score", new BigDecimal("7"));
    }

    @Test
    void aFullStateKeepsTheMostRecentEventsAndCountsWhatItDrops() {
        int n = VisitorState.MAX_EVENTS + 500;
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(event("cap" + i, EventType.PAGE_VIEW, T0.plusSeconds(i)));
        }
        long droppedBefore = VisitorState.droppedEvents();
        VisitorState s = fold(events);
        assertThat(s.size()).isEqualTo(VisitorState.MAX_EVENTS);
        assertThat(s.oldest()).isEqualTo(T0.plusSeconds(500));
        assertThat(VisitorState.droppedEvents() - droppedBefore).isGreaterThanOrEqualTo(500);
        // An event older than everything kept is dropped itself; redelivering a dropped one changes nothing.
        assertThat(s.add(event("late", EventType.PURCHASE, T0))).isSameAs(s);
        assertThat(s.add(events.get(3))).isSameAs(s);
        // Any arrival order gives the same state: the latest MAX_EVENTS of what was delivered.
        List<Event> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, new Random(7));
        assertThat(fold(shuffled)).isEqualTo(s);
    }
}
