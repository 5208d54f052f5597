package io.rebound.core.recommendation;

import io.rebound.core.JsonName;

import java.util.Objects;

/**
 * One product recommended to a person, with why.
 *
 * @param productId the product
 * @param reason    why it is recommended
 * @param relatedTo for {@link Reason#COMPLEMENT} and {@link Reason#CO_PURCHASED}, the product the
 *                  person bought that it goes with; null otherwise
 */
public record Recommendation(String productId, Reason reason, String relatedTo) {

    /** Why a product is recommended, in the order they rank. */
    public enum Reason implements JsonName {
        /** The person left it in the cart. */
        CARTED,
        /** The person viewed it. */
        VIEWED,
        /** The store paired it with a product the person bought. */
        COMPLEMENT,
        /** Others who bought a product the person bought bought it in the same order. */
        CO_PURCHASED
    }

    public Recommendation {
        Objects.requireNonNull(productId, "productId");
        Objects.requireNonNull(reason, "reason");
        if ((reason == Reason.COMPLEMENT || reason == Reason.CO_PURCHASED) != (relatedTo != null)) {
            throw new IllegalArgumentException("relatedTo is set exactly for complement and co_purchased");
        }
    }
}
