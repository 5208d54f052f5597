package io.rebound.core.recommendation;

import io.rebound.core.catalog.CatalogProduct;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * From a person's {@link ProductSet} to the products to show them, in two pure steps around the one
 * read the caller does (the catalog rows of the candidates):
 * <ol>
 *   <li>{@link #candidates}: the products left in the cart (most recent first), then those viewed,
 *       then for each product bought (most recent first) the store's complements of it in the
 *       store's order, then the products most often bought with it. A product appears once, with
 *       the first reason that named it; never a product the person bought.</li>
 *   <li>{@link #select}: of the candidates, those in the catalog that the merchant rules allow, up
 *       to the limit, in candidate order.</li>
 * </ol>
 */
public final class Recommender {

    /** Candidates at most: what one catalog read fetches. */
    public static final int MAX_CANDIDATES = 200;
    /** Products bought whose complements and co-purchases are asked for, at most (the most recent). */
    public static final int MAX_PURCHASES_FOLLOWED = 10;

    private Recommender() {
    }

    /**
     * The candidates, in rank order, at most {@value #MAX_CANDIDATES}.
     *
     * @param set         the person's product set
     * @param complements the store's complements of a product, in the store's order (empty for none)
     * @param coPurchased the products most often bought with a product, most often first (empty for none)
     */
    public static List<Recommendation> candidates(ProductSet set, Function<String, List<String>> complements,
                                                  Function<String, List<String>> coPurchased) {
        Set<String> bought = set.purchasedIds();
        Set<String> seen = new HashSet<>();
        List<Recommendation> out = new ArrayList<>();
        for (ProductSet.Item i : set.carted()) {
            add(out, seen, bought, new Recommendation(i.productId(), Recommendation.Reason.CARTED, null));
        }
        for (ProductSet.Item i : set.viewed()) {
            add(out, seen, bought, new Recommendation(i.productId(), Recommendation.Reason.VIEWED, null));
        }
        List<ProductSet.Item> followed = set.purchased().subList(0,
                Math.min(set.purchased().size(), MAX_PURCHASES_FOLLOWED));
        for (ProductSet.Item p : followed) {
            for (String c : complements.apply(p.productId())) {
                add(out, seen, bought, new Recommendation(c, Recommendation.Reason.COMPLEMENT, p.productId()));
            }
        }
        for (ProductSet.Item p : followed) {
            for (String c : coPurchased.apply(p.productId())) {
                add(out, seen, bought, new Recommendation(c, Recommendation.Reason.CO_PURCHASED, p.productId()));
            }
        }
        return out;
    }

    private static void add(List<Recommendation> out, Set<String> seen, Set<String> bought, Recommendation r) {
        if (out.size() < MAX_CANDIDATES && !bought.contains(r.productId()) && seen.add(r.productId())) {
            out.add(r);
        }
    }

    /**
     * The first {@code limit} candidates whose product is in {@code catalog} and allowed by
     * {@code rules}, never one in {@code purchased}.
     */
    public static List<Recommendation> select(List<Recommendation> candidates, Map<String, CatalogProduct> catalog,
                                              MerchantRules rules, Set<String> purchased, int limit) {
        List<Recommendation> out = new ArrayList<>(Math.min(limit, candidates.size()));
        for (Recommendation r : candidates) {
            if (out.size() >= limit) {
                break;
            }
            CatalogProduct p = catalog.get(r.productId());
            if (p != null && !purchased.contains(r.productId()) && rules.allows(p)) {
                out.add(r);
            }
        }
        return out;
    }
}
