package io.rebound.core.campaign;

import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CampaignProductsTest {

    @Test
    void theSegmentsProductSetIsTheProductIdsItsIncludeConditionsName() {
        SegmentDefinition s = SegmentDefinitions.parse(Map.of("name", "viewers",
                "include", List.of(Map.of("event", "ViewContent", "within_days", 14,
                        "where", Map.of("product_id", List.of("yoga-mat", "yoga-block")))),
                "exclude", List.of(Map.of("event", "AddToCart", "within_days", 14,
                        "where", Map.of("product_id", "yoga-strap")))));
        assertThat(CampaignProducts.ofSegment(s)).containsExactly("yoga-mat", "yoga-block");
        Creative fromSegment = new Creative(List.of(), true, "h");
        assertThat(CampaignProducts.of(fromSegment, s)).containsExactly("yoga-mat", "yoga-block");
        assertThat(CampaignProducts.of(new Creative(List.of("x"), false, "h"), s)).containsExactly("x");
        assertThat(CampaignProducts.of(fromSegment, null)).isEmpty();
    }

    @Test
    void aSegmentWithoutProductsHasAnEmptySet() {
        SegmentDefinition s = SegmentDefinitions.parse(Map.of("name", "abandoners",
                "include", List.of(Map.of("event", "AddToCart", "within_days", 7))));
        assertThat(CampaignProducts.ofSegment(s)).isEmpty();
    }
}
