package io.rebound.core.segment;

import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.rebound.core.segment.VisitorStateTest.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentTemplatesTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    @Test
    void defaultsMatchTheProductBrief() {
        assertThat(SegmentTemplates.instantiate("product_viewers", null, null).longestWindow()).isEqualTo(Duration.ofDays(14));
        assertThat(SegmentTemplates.instantiate("cart_abandoners", null, null).longestWindow()).isEqualTo(Duration.ofDays(7));
        assertThat(SegmentTemplates.instantiate("past_purchasers", null, null).longestWindow()).isEqualTo(Duration.ofDays(30));
        assertThat(SegmentTemplates.instantiate("abandoner_offer", null, null).longestWindow()).isEqualTo(Duration.ofDays(14));
    }

    @Test
    void productScopeNarrowsViewsAndTheAddToCartExclusion() {
        SegmentDefinition d = SegmentTemplates.productViewers(14, new Scope("yoga-mat", null));
        VisitorState viewedMatAddedBlock = VisitorState.EMPTY
                .add(event("1", EventType.VIEW_CONTENT, T0, "yoga-mat"))
                .add(event("2", EventType.ADD_TO_CART, T0.plusSeconds(60), "block"));
        assertThat(SegmentEvaluator.evaluate(d, viewedMatAddedBlock, T0.plusSeconds(120)).member()).isTrue();
        VisitorState addedMat = viewedMatAddedBlock.add(event("3", EventType.ADD_TO_CART, T0.plusSeconds(90), "yoga-mat"));
        assertThat(SegmentEvaluator.evaluate(d, addedMat, T0.plusSeconds(120)).member()).isFalse();
    }

    @Test
    void reminderAndOfferSplitTheFirstFourteenDaysAfterTheLastAdd() {
        SegmentDefinition reminder = SegmentTemplates.abandonerReminder(Scope.STORE);
        SegmentDefinition offer = SegmentTemplates.abandonerOffer(Scope.STORE);
        VisitorState s = VisitorState.EMPTY.add(event("1", EventType.ADD_TO_CART, T0, "mat"));
        for (long hours = 0; hours < 24 * 16; hours++) {
            Instant t = T0.plus(Duration.ofHours(hours));
            boolean r = SegmentEvaluator.evaluate(reminder, s, t).member();
            boolean o = SegmentEvaluator.evaluate(offer, s, t).member();
            assertThat(r).as("reminder at +%dh", hours).isEqualTo(hours < 72);
            assertThat(o).as("offer at +%dh", hours).isEqualTo(hours >= 72 && hours < 14 * 24);
        }
    }

    @Test
    void unknownTemplatesAndBadWindowsAreViolations() {
        assertThatThrownBy(() -> SegmentTemplates.instantiate("lookalikes", null, null))
                .isInstanceOf(InvalidSegmentException.class).hasMessageContaining("template");
        assertThatThrownBy(() -> SegmentTemplates.instantiate("cart_abandoners", 0, null))
                .isInstanceOf(InvalidSegmentException.class).hasMessageContaining("days");
    }
}
