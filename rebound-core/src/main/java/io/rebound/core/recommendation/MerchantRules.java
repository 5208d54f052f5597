package io.rebound.core.recommendation;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/**
 * A store's rules on what may be recommended, beyond the one that always holds (never a product the
 * person bought):
 *
 * @param inStockOnly      only products whose availability is {@code in_stock} and whose inventory,
 *                         when tracked, is above zero
 * @param minMarginPercent the least margin, in percent of the price a shopper pays now (the sale
 *                         price when there is one): {@code (price − cost) / price × 100}; null for no
 *                         floor. With a floor, a product without a cost (or with price 0) has no
 *                         known margin and is left out
 */
public record MerchantRules(boolean inStockOnly, BigDecimal minMarginPercent) {

    /** What a store that set nothing gets: in stock only, no margin floor. */
    public static final MerchantRules DEFAULT = new MerchantRules(true, null);

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    public MerchantRules {
        if (minMarginPercent != null && (minMarginPercent.compareTo(BigDecimal.ZERO) < 0
                || minMarginPercent.compareTo(HUNDRED) > 0 || minMarginPercent.scale() > 2)) {
            throw new IllegalArgumentException("min_margin_percent must be 0..100 with at most 2 decimals, got "
                    + minMarginPercent.toPlainString());
        }
    }

    /** Whether {@code product} may be recommended under these rules (whoever it is for). */
    public boolean allows(CatalogProduct product) {
        if (inStockOnly && !inStock(product)) {
            return false;
        }
        if (minMarginPercent == null) {
            return true;
        }
        Optional<BigDecimal> margin = marginPercent(product);
        return margin.isPresent() && margin.get().compareTo(minMarginPercent) >= 0;
    }

    /** In stock now: availability {@code in_stock}, and inventory above zero where it is tracked. */
    public static boolean inStock(CatalogProduct product) {
        return product.availability() == Availability.IN_STOCK
                && (product.inventory() == null || product.inventory() > 0);
    }

    /**
     * The margin in percent of the current price, exact to 4 decimals (rounded down, so a product
     * never passes a floor it misses); empty without a cost or at price 0.
     */
    public static Optional<BigDecimal> marginPercent(CatalogProduct product) {
        BigDecimal price = product.currentPrice();
        if (product.cost() == null || price.signum() == 0) {
            return Optional.empty();
        }
        return Optional.of(price.subtract(product.cost()).multiply(HUNDRED).divide(price, 4, RoundingMode.FLOOR));
    }
}
