package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static io.rebound.core.segment.VisitorStateTest.event;
import static org.assertj.core.api.Assertions.assertThat;

class MembershipTimelineTest {
    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final EventType[] TYPES = {EventType.VIEW_CONTENT, EventType.ADD_TO_CART,
            EventType.INITIATE_CHECKOUT, EventType.PURCHASE};

    /**
     * The breakpoints are every counted event's time and the end of its window, sorted and each once,
     * whether the leaves' sorted runs are merged (a few leaves) or sorted (many), with times shared
     * between events and window ends falling on event times.
     */
    @Property(tries = 300)
    void breakpointsAreEveryEventTimeAndWindowEndSortedAndDistinct(@ForAll long seed,
                                                                   @ForAll @IntRange(min = 1, max = 7) int leaves,
                                                                   @ForAll @IntRange(min = 0, max = 300) int events) {
        Random random = new Random(seed);
        List<Event> list = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            // Whole hours over 20 days: equal times, and window ends (whole hours) on event times.
            Instant at = T0.plusSeconds(3600L * random.nextInt(480));
            list.add(event("e" + i, TYPES[random.nextInt(TYPES.length)], at, "p" + random.nextInt(3)));
        }
        VisitorState state = VisitorState.EMPTY;
        for (Event e : list) {
            state = state.add(e);
        }
        List<Condition> include = new ArrayList<>();
        List<Condition> exclude = new ArrayList<>();
        List<EventCondition> conditions = new ArrayList<>();
        for (int i = 0; i < leaves; i++) {
            EventCondition c = EventCondition.of(TYPES[random.nextInt(TYPES.length)],
                    random.nextBoolean() ? Window.days(1 + random.nextInt(10)) : Window.hours(1 + random.nextInt(48)));
            conditions.add(c);
            (i == 0 || random.nextBoolean() ? include : exclude).add(c);
        }
        MembershipTimeline timeline = SegmentEvaluator.timeline(new SegmentDefinition("x", include, exclude), state);

        TreeSet<Long> expected = new TreeSet<>();
        for (EventCondition c : conditions) {
            for (int i = 0; i < state.size(); i++) {
                if (state.typeAt(i) == c.type()) {
                    expected.add(state.timeAt(i));
                    expected.add(state.timeAt(i) + c.window().millis());
                }
            }
        }
        assertThat(timeline.breakpoints()).containsExactly(expected.stream().mapToLong(Long::longValue).toArray());
    }
}
