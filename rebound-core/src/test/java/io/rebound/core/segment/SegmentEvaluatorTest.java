package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.rebound.core.segment.VisitorStateTest.event;
import static org.assertj.core.api.Assertions.assertThat;

class SegmentEvaluatorTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    private static VisitorState state(Event... events) {
        VisitorState s = VisitorState.EMPTY;
        for (Event e : events) {
            s = s.add(e);
        }
        return s;
    }

    @Test
    void aViewerIsAMemberUntilTheViewAgesOutAndSaysWhy() {
        SegmentDefinition d = SegmentTemplates.productViewers(14, new Scope("yoga-mat", null));
        VisitorState s = state(event("1", EventType.VIEW_CONTENT, T0, "yoga-mat"));
        Evaluation e = SegmentEvaluator.evaluate(d, s, T0.plus(Duration.ofDays(3)));
        assertThat(e.member()).isTrue();
        assertThat(e.nextChange()).isEqualTo(T0.plus(Duration.ofDays(14)));
        assertThat(e.reason()).isEqualTo("viewed yoga-mat 3 d ago; no AddToCart within 14 d");
        Evaluation after = SegmentEvaluator.evaluate(d, s, T0.plus(Duration.ofDays(14)));
        assertThat(after.member()).isFalse();
        assertThat(after.nextChange()).isNull();
        assertThat(after.reason()).isEqualTo("no ViewContent within 14 d");
    }

    @Test
    void windowIsOpenAtTheStartAndClosedAtNow() {
        SegmentDefinition d = SegmentTemplates.pastPurchasers(1, Scope.STORE);
        VisitorState s = state(event("1", EventType.PURCHASE, T0));
        assertThat(SegmentEvaluator.evaluate(d, s, T0.minusMillis(1)).member()).isFalse();
        assertThat(SegmentEvaluator.evaluate(d, s, T0).member()).isTrue();
        assertThat(SegmentEvaluator.evaluate(d, s, T0.plus(DAY).minusMillis(1)).member()).isTrue();
        assertThat(SegmentEvaluator.evaluate(d, s, T0.plus(DAY)).member()).isFalse();
    }

    @Test
    void aFutureDatedEventIsTheNextChange() {
        SegmentDefinition d = SegmentTemplates.cartAbandoners(7, Scope.STORE);
        VisitorState s = state(event("1", EventType.ADD_TO_CART, T0.plusSeconds(90)));
        Evaluation e = SegmentEvaluator.evaluate(d, s, T0);
        assertThat(e.member()).isFalse();
        assertThat(e.nextChange()).isEqualTo(T0.plusSeconds(90));
    }

    @Test
    void anExclusionAgeingOutIsTheNextChange() {
        SegmentDefinition d = new SegmentDefinition("x",
                List.of(EventCondition.of(EventType.VIEW_CONTENT, Window.days(14))),
                List.of(EventCondition.of(EventType.ADD_TO_CART, Window.hours(6))));
        VisitorState s = state(event("1", EventType.VIEW_CONTENT, T0), event("2", EventType.ADD_TO_CART, T0.plusSeconds(60)));
        Evaluation e = SegmentEvaluator.evaluate(d, s, T0.plusSeconds(120));
        assertThat(e.member()).isFalse();
        assertThat(e.reason()).isEqualTo("added to cart 1 min ago");
        assertThat(e.nextChange()).isEqualTo(T0.plusSeconds(60).plus(Duration.ofHours(6)));
    }

    @Test
    void nextChangeSkipsExpiriesThatChangeNothing() {
        SegmentDefinition d = SegmentTemplates.pastPurchasers(2, Scope.STORE);
        VisitorState s = state(event("1", EventType.PURCHASE, T0), event("2", EventType.PURCHASE, T0.plusSeconds(3600)));
        assertThat(SegmentEvaluator.evaluate(d, s, T0.plusSeconds(3600)).nextChange())
                .isEqualTo(T0.plusSeconds(3600).plus(Duration.ofDays(2)));
    }

    @Test
    void aPurchaseBeforeTheLatestAddDoesNotExcludeAnAbandoner() {
        SegmentDefinition d = SegmentTemplates.cartAbandoners(14, Scope.STORE);
        VisitorState s = state(event("1", EventType.ADD_TO_CART, T0, "mat"),
                event("2", EventType.PURCHASE, T0.plus(DAY), "mat"),
                event("3", EventType.ADD_TO_CART, T0.plus(Duration.ofDays(7)), "block"));
        assertThat(SegmentEvaluator.evaluate(d, s, T0.plus(Duration.ofDays(2))).member()).isFalse();
        Evaluation e = SegmentEvaluator.evaluate(d, s, T0.plus(Duration.ofDays(8)));
        assertThat(e.member()).isTrue();
        assertThat(e.reason()).isEqualTo("added to cart block 1 d ago (2× within 14 d); no Purchase since");
    }

    @Test
    void aPurchaseAtTheSameInstantAsTheAddCountsAsBought() {
        SegmentDefinition d = SegmentTemplates.cartAbandoners(7, Scope.STORE);
        VisitorState s = state(event("1", EventType.ADD_TO_CART, T0), event("2", EventType.PURCHASE, T0));
        assertThat(SegmentEvaluator.evaluate(d, s, T0).member()).isFalse();
    }

    @Test
    void minCountAndSumValueNeedEnoughEventsInTheWindow() {
        SegmentDefinition d = new SegmentDefinition("x", List.of(EventCondition.of(EventType.PURCHASE, Window.days(3))
                .minCount(2).sumValueGte(new BigDecimal("100"))), List.of());
        VisitorState s = state(
                Event.builder("st", "1", EventType.PURCHASE, T0, T0).anonymousId("a").value(new BigDecimal("70")).build(),
                Event.builder("st", "2", EventType.PURCHASE, T0.plus(DAY), T0).anonymousId("a").value(new BigDecimal("20")).build());
        Evaluation e = SegmentEvaluator.evaluate(d, s, T0.plus(DAY));
        assertThat(e.member()).isFalse();
        assertThat(e.reason()).isEqualTo("Purchase value 90 of 100 within 3 d");
        s = s.add(Event.builder("st", "3", EventType.PURCHASE, T0.plus(Duration.ofDays(2)), T0).anonymousId("a")
                .value(new BigDecimal("15")).build());
        Evaluation later = SegmentEvaluator.evaluate(d, s, T0.plus(Duration.ofDays(2)));
        assertThat(later.member()).isTrue();
        assertThat(later.nextChange()).as("the first purchase ageing out drops the sum to 35")
                .isEqualTo(T0.plus(Duration.ofDays(3)));
        assertThat(SegmentEvaluator.evaluate(d, state(event("9", EventType.PURCHASE, T0)), T0).reason())
                .isEqualTo("only 1 of 2 Purchase within 3 d");
    }

    @Test
    void timelineReportsExactTransitionsAndRunStart() {
        SegmentDefinition d = SegmentTemplates.cartAbandoners(7, Scope.STORE);
        VisitorState s = state(event("1", EventType.ADD_TO_CART, T0), event("2", EventType.PURCHASE, T0.plus(DAY)),
                event("3", EventType.ADD_TO_CART, T0.plus(Duration.ofDays(2))));
        MembershipTimeline tl = SegmentEvaluator.timeline(d, s);
        assertThat(tl.transitions(T0.minusMillis(1), T0.plus(Duration.ofDays(30)), false)).containsExactly(
                new MembershipTimeline.Transition(T0, true),
                new MembershipTimeline.Transition(T0.plus(DAY), false),
                new MembershipTimeline.Transition(T0.plus(Duration.ofDays(2)), true),
                new MembershipTimeline.Transition(T0.plus(Duration.ofDays(9)), false));
        assertThat(tl.runStart(T0.plus(Duration.ofDays(5)))).isEqualTo(T0.plus(Duration.ofDays(2)));
        assertThat(tl.runStart(T0.minusMillis(1))).isNull();
    }
}
