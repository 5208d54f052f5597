package io.rebound.core.recommendation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A segment's product set: the products its members left in the cart or viewed, ranked by how many
 * members did (a cart counting before a view: a member who carted a product counts for it in
 * {@code carted}, never also in {@code viewed}). Built by adding each member's {@link ProductSet};
 * not thread-safe.
 */
public final class SegmentProductSet {

    /**
     * One product of the set.
     *
     * @param productId the product
     * @param carted    members who left it in the cart
     * @param viewed    members who viewed it (and did not cart it)
     */
    public record Entry(String productId, int carted, int viewed) {
        public int members() {
            return carted + viewed;
        }
    }

    private final Map<String, int[]> counts = new HashMap<>();
    private int members;

    /** Counts one member's product set. */
    public void add(ProductSet set) {
        members++;
        for (ProductSet.Item i : set.carted()) {
            counts.computeIfAbsent(i.productId(), k -> new int[2])[0]++;
        }
        for (ProductSet.Item i : set.viewed()) {
            counts.computeIfAbsent(i.productId(), k -> new int[2])[1]++;
        }
    }

    /** Members counted so far. */
    public int members() {
        return members;
    }

    /**
     * The products {@code allowed} lets through, most members first (then most carts, then by id),
     * at most {@code limit}.
     */
    public List<Entry> ranked(Predicate<String> allowed, int limit) {
        List<Entry> all = new ArrayList<>(counts.size());
        counts.forEach((id, c) -> all.add(new Entry(id, c[0], c[1])));
        all.sort(Comparator.comparingInt(Entry::members).reversed()
                .thenComparing(Comparator.comparingInt(Entry::carted).reversed())
                .thenComparing(Entry::productId));
        List<Entry> out = new ArrayList<>(Math.min(limit, all.size()));
        for (Entry e : all) {
            if (out.size() >= limit) {
                break;
            }
            if (allowed.test(e.productId())) {
                out.add(e);
            }
        }
        return out;
    }

    /** The ids of {@code ranked}. */
    public static List<String> ids(List<Entry> ranked) {
        return ranked.stream().map(Entry::productId).toList();
    }

    /** Distinct products counted. */
    public int products() {
        return counts.size();
    }
}
