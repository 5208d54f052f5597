package io.rebound.core.segment;

import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.StreamGenerator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The next change skips the breakpoints a member certainly stays one through (their events' expiries while
 * younger ones still count): it must be exactly the first breakpoint at which membership, evaluated there,
 * differs — for every segment of the differential suite (counts, sums, alternatives, exclusions since the
 * last include) over generated streams — and so must the transitions.
 */
class MembershipTimelineNextChangeTest {

    @TestFactory
    Stream<DynamicTest> theNextChangeIsTheFirstBreakpointWhereMembershipDiffers() {
        return LongStream.range(0, 150).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> check(seed)));
    }

    private static void check(long seed) {
        VisitorState state = VisitorState.EMPTY;
        for (StreamGenerator.Arrival a : new StreamGenerator(seed, seed % 2 == 0, false).generate()) {
            state = state.add(a.event());
        }
        Random random = new Random(seed);
        for (Map.Entry<String, SegmentDefinition> e : DifferentialScenario.segments().entrySet()) {
            MembershipTimeline tl = SegmentEvaluator.timeline(e.getValue(), state);
            long[] points = tl.breakpoints();
            for (int i = 1; i < points.length; i++) {
                assertThat(points[i]).as("sorted and distinct").isGreaterThan(points[i - 1]);
            }
            List<Long> instants = new ArrayList<>();
            for (long p : points) {
                instants.add(p);
                instants.add(p - 1);
            }
            for (int k = 0; k < 20 && points.length > 0; k++) {
                long lo = points[0] - 1;
                instants.add(lo + (long) (random.nextDouble() * (points[points.length - 1] + 2 - lo)));
            }
            for (long now : instants) {
                String where = e.getKey() + " seed " + seed + " at " + now;
                boolean current = tl.memberAt(now);
                Long expectedNext = null;
                List<MembershipTimeline.Transition> expected = new ArrayList<>();
                boolean m = current;
                for (long p : points) {
                    if (p > now && tl.memberAt(p) != m) {
                        expectedNext = expectedNext == null ? p : expectedNext;
                        m = !m;
                        expected.add(new MembershipTimeline.Transition(Instant.ofEpochMilli(p), m));
                    }
                }
                Instant next = tl.nextChangeAfter(Instant.ofEpochMilli(now));
                assertThat(next == null ? null : next.toEpochMilli()).as(where).isEqualTo(expectedNext);
                assertThat(tl.transitions(Instant.ofEpochMilli(now), Instant.ofEpochMilli(Long.MAX_VALUE / 2), current))
                        .as(where).isEqualTo(expected);
            }
        }
    }
}
