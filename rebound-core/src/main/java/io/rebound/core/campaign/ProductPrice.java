package io.rebound.core.campaign;

import java.math.BigDecimal;

/**
 * What the margin guard needs of one product a touch shows.
 *
 * @param price the price a shopper pays now (the sale price when there is one)
 * @param cost  what the product costs the store, or null when unknown (then it is not guarded)
 */
public record ProductPrice(String productId, BigDecimal price, BigDecimal cost) {
}
