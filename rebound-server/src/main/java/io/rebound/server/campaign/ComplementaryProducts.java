package io.rebound.server.campaign;

import java.util.List;

/**
 * The seam for post-purchase cross-sell: which products go with what a person bought. The server
 * wires the store's recommendations (merchant pairs and co-purchases, {@code ServerRoutes.crossSell});
 * {@link #CREATIVE} shows the campaign's own products (the touch's creative), which the store owner
 * chose to go with the segment's purchases, and is the fallback when there are none.
 */
@FunctionalInterface
public interface ComplementaryProducts {

    /**
     * The product ids to show {@code personId}, at most as many as {@code creativeProductIds} (or
     * {@link #DEFAULT_COUNT} when it is empty) and in the order to show them.
     *
     * @param creativeProductIds the touch's products (the campaign's choice): the fallback
     */
    List<String> forPerson(String storeId, String personId, List<String> creativeProductIds);

    /** How many products to choose when the touch names none. */
    int DEFAULT_COUNT = 3;

    /** The campaign's own products. */
    ComplementaryProducts CREATIVE = (storeId, personId, creativeProductIds) -> creativeProductIds;
}
