package io.rebound.server.commerce;

import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.PersonState;
import io.rebound.core.recommendation.MerchantRules;
import io.rebound.core.recommendation.ProductSet;
import io.rebound.core.recommendation.Recommendation;
import io.rebound.core.recommendation.Recommender;
import io.rebound.core.recommendation.SegmentProductSet;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.AudienceView;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a person or a segment is recommended: the core's rules ({@link ProductSet},
 * {@link Recommender}, {@link MerchantRules}, {@link SegmentProductSet}) over what the server reads —
 * the person's retained events, the store's complements and rules ({@link JdbcRecommendations}), the
 * co-purchase counts ({@link CoPurchases}) and the catalog rows of the candidates, read a chunk at a time
 * until enough of them pass the rules.
 */
public final class Recommendations {
    /** Members whose product sets make a segment's product set at most (the first, in person-id order). */
    public static final int MAX_SEGMENT_MEMBERS = 10_000;
    /** The most counted products of a segment that are looked up in the catalog. */
    private static final int SEGMENT_CANDIDATES = 2_000;
    private static final int MEMBER_PAGE = 1_000;

    private final JdbcCatalog catalog;
    private final ProductCache cachedProducts;
    private final JdbcRecommendations settings;
    private final CoPurchases coPurchases;

    public Recommendations(JdbcCatalog catalog, JdbcRecommendations settings, CoPurchases coPurchases) {
        this.catalog = catalog;
        this.cachedProducts = new ProductCache(catalog);
        this.settings = settings;
        this.coPurchases = coPurchases;
    }

    JdbcCatalog catalog() {
        return catalog;
    }

    JdbcRecommendations settings() {
        return settings;
    }

    /**
     * What was picked, with the catalog rows of the picks.
     *
     * @param items    the recommendations, best first
     * @param products the catalog rows read, by id (every pick's is there)
     */
    public record Picked(List<Recommendation> items, Map<String, CatalogProduct> products) {
    }

    /** The person's recommendations under the store's merchant rules, at most {@code limit}. */
    public Picked forPerson(String storeId, PersonState person, int limit) {
        ProductSet set = ProductSet.of(person.visitor().events());
        if (set.isEmpty()) {
            return new Picked(List.of(), Map.of());
        }
        List<String> followed = set.purchased().stream().limit(Recommender.MAX_PURCHASES_FOLLOWED)
                .map(ProductSet.Item::productId).toList();
        Map<String, List<String>> complements = settings.complements(storeId, followed);
        List<Recommendation> candidates = Recommender.candidates(set,
                id -> complements.getOrDefault(id, List.of()),
                id -> coPurchases.with(storeId, id, JdbcRecommendations.MAX_COMPLEMENTS));
        if (candidates.isEmpty()) {
            return new Picked(List.of(), Map.of());
        }
        MerchantRules rules = settings.rules(storeId);
        // The catalog is read a chunk of candidates at a time, until enough pass: the picks from a prefix
        // that already holds `limit` of them are the picks from the whole list.
        Map<String, CatalogProduct> products = new HashMap<>();
        int chunk = Math.max(2 * limit, 10);
        int read = 0;
        List<Recommendation> picked;
        do {
            int to = Math.min(candidates.size(), read + chunk);
            Set<String> ids = new HashSet<>();
            candidates.subList(read, to).forEach(c -> ids.add(c.productId()));
            products.putAll(cachedProducts.products(storeId, ids));
            read = to;
            picked = Recommender.select(candidates.subList(0, read), products, rules, set.purchasedIds(), limit);
        } while (picked.size() < limit && read < candidates.size());
        return new Picked(picked, products);
    }

    /**
     * A segment's product set: what its members (the first {@value #MAX_SEGMENT_MEMBERS}) left in the
     * cart or viewed, most members first, the products in the catalog that the merchant rules allow,
     * at most {@code limit}. Empty when the runtime cannot read person states (cluster mode).
     *
     * @param counted members whose product sets were counted
     */
    public record SegmentSet(List<SegmentProductSet.Entry> products, int counted, boolean truncated) {
    }

    /** As {@link SegmentSet}; empty where person states cannot be read. */
    public Optional<SegmentSet> forSegment(AudienceView reader, String storeId, String segmentId, int limit) {
        SegmentProductSet tally = new SegmentProductSet();
        String after = null;
        boolean truncated = false;
        while (true) {
            List<AudienceReader.Member> page = reader.members(storeId, segmentId, after, MEMBER_PAGE);
            for (AudienceReader.Member m : page) {
                if (tally.members() >= MAX_SEGMENT_MEMBERS) {
                    truncated = true;
                    break;
                }
                Optional<PersonState> p = reader.person(storeId, m.personId());
                if (p.isEmpty() && tally.members() == 0) {
                    return Optional.empty();
                }
                p.ifPresent(s -> tally.add(ProductSet.of(s.visitor().events())));
            }
            if (truncated || page.size() < MEMBER_PAGE) {
                break;
            }
            after = page.getLast().personId();
        }
        List<SegmentProductSet.Entry> top = tally.ranked(id -> true, SEGMENT_CANDIDATES);
        Map<String, CatalogProduct> products = catalog.products(storeId, SegmentProductSet.ids(top));
        MerchantRules rules = settings.rules(storeId);
        List<SegmentProductSet.Entry> out = top.stream()
                .filter(e -> products.containsKey(e.productId()) && rules.allows(products.get(e.productId())))
                .limit(limit).toList();
        return Optional.of(new SegmentSet(out, tally.members(), truncated));
    }
}
