package io.rebound.core.recommendation;

import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.rebound.core.recommendation.ProductSetTest.event;
import static org.assertj.core.api.Assertions.assertThat;

class SegmentProductSetTest {

    @Test
    void productsRankByMembersThenCartsAndTheFilterDropsWhatIsNotAllowed() {
        SegmentProductSet s = new SegmentProductSet();
        s.add(ProductSet.of(List.of(event(EventType.ADD_TO_CART, 1, "mat"), event(EventType.VIEW_CONTENT, 2, "block"))));
        s.add(ProductSet.of(List.of(event(EventType.VIEW_CONTENT, 1, "mat"), event(EventType.VIEW_CONTENT, 2, "block"))));
        s.add(ProductSet.of(List.of(event(EventType.ADD_TO_CART, 1, "strap"), event(EventType.PURCHASE, 2, "towel"))));
        assertThat(s.members()).isEqualTo(3);
        assertThat(s.ranked(id -> true, 10)).containsExactly(
                new SegmentProductSet.Entry("mat", 1, 1),
                new SegmentProductSet.Entry("block", 0, 2),
                new SegmentProductSet.Entry("strap", 1, 0));
        assertThat(SegmentProductSet.ids(s.ranked(id -> !id.equals("block"), 1))).containsExactly("mat");
    }
}
