package io.rebound.core.campaign;

import java.util.List;

/**
 * What a touch shows: products and a headline.
 *
 * @param productIds      the products shown, in order; empty when {@code segmentProducts} is set
 * @param segmentProducts true for "the segment's product set": the product ids the segment's include
 *                        conditions name ({@link CampaignProducts#ofSegment})
 * @param headline        the text shown with the products, 1..200 characters
 */
public record Creative(List<String> productIds, boolean segmentProducts, String headline) {
    public Creative {
        productIds = List.copyOf(productIds);
    }
}
