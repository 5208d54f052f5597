package io.rebound.server.commerce;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Do the product ids the store's events sent exist in its catalog, and which catalog products did no
 * event name? What the coverage API answers and the funnel page shows (docs/catalog.md). Dynamic ads
 * match the pixel's {@code content_ids} to the feed's ids, so an id missing from the catalog shows
 * nothing.
 *
 * @param eventProductIds  distinct product ids the events sent
 * @param inCatalog        how many of them are in the catalog
 * @param missingSample    up to {@value #SAMPLE} of the others, in id order
 * @param catalogProducts  products in the catalog
 * @param neverSeen        catalog products no event named
 * @param neverSeenSample  up to {@value #NEVER_SEEN_SAMPLE} of them, in id order (from the first
 *                         {@value #NEVER_SEEN_SCAN} catalog ids)
 */
public record CatalogCoverage(int eventProductIds, int inCatalog, List<String> missingSample, long catalogProducts,
                              long neverSeen, List<String> neverSeenSample) {
    static final int SAMPLE = 20;
    static final int NEVER_SEEN_SAMPLE = 10;
    static final int NEVER_SEEN_SCAN = 10_000;

    /** The coverage of {@code seen} (the events' product ids) in the store's catalog. */
    public static CatalogCoverage of(JdbcCatalog catalog, String storeId, Set<String> seen) {
        Set<String> in = catalog.existing(storeId, seen);
        TreeSet<String> missing = new TreeSet<>(seen);
        missing.removeAll(in);
        long products = catalog.count(storeId);
        List<String> neverSeen = new ArrayList<>();
        if (products > in.size()) {
            String after = null;
            for (int scanned = 0; scanned < NEVER_SEEN_SCAN && neverSeen.size() < NEVER_SEEN_SAMPLE; ) {
                List<String> ids = catalog.ids(storeId, after, 1_000);
                for (String id : ids) {
                    if (!seen.contains(id) && neverSeen.size() < NEVER_SEEN_SAMPLE) {
                        neverSeen.add(id);
                    }
                }
                scanned += ids.size();
                if (ids.size() < 1_000) {
                    break;
                }
                after = ids.getLast();
            }
        }
        return new CatalogCoverage(seen.size(), in.size(), missing.stream().limit(SAMPLE).toList(), products,
                products - in.size(), List.copyOf(neverSeen));
    }

    public int missing() {
        return eventProductIds - inCatalog;
    }

    /** The share of the events' product ids in the catalog, in percent with one decimal; null without events. */
    public Double percent() {
        return eventProductIds == 0 ? null : Math.round(1000.0 * inCatalog / eventProductIds) / 10.0;
    }
}
