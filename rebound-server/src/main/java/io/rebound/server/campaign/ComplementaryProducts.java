package io.rebound.server.campaign;

import java.util.List;

/**
 * The seam for post-purchase cross-sell: which products go with what a person bought. Merchant
 * pairs and co-purchase recommendations will implement it; until they exist, {@link #CREATIVE}
 * shows the campaign's own products (the touch's creative), which the store owner chose to go with
 * the segment's purchases.
 */
@FunctionalInterface
public interface ComplementaryProducts {

    /**
     * The product ids to show {@code personId}, at most as many as {@code creativeProductIds} and in
     * the order to show them.
     *
     * @param creativeProductIds the touch's products (the campaign's choice): the fallback
     */
    List<String> forPerson(String storeId, String personId, List<String> creativeProductIds);

    /** The campaign's own products, until recommendations exist. */
    ComplementaryProducts CREATIVE = (storeId, personId, creativeProductIds) -> creativeProductIds;
}
