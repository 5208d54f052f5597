package io.rebound.server.commerce;

import io.rebound.core.catalog.FeedPlatform;
import io.rebound.core.event.Violation;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The validation report of a store's catalog, per platform: how many products each feed carries as
 * they are, and which products a platform will still refuse or change, with the field. The shared
 * rules (required fields, an id too long, a bad price or availability) are enforced when a product is
 * written (a stored product meets them, see {@link io.rebound.core.catalog.CatalogProduct}; an upload
 * lists rows that break them), so what is left is each platform's own: {@link FeedPlatform#problems}.
 * One pass over the catalog in pages, holding at most {@value #SAMPLE} problems per platform.
 *
 * @param products  products in the catalog
 * @param platforms one entry per platform, in {@link FeedPlatform} order
 */
public record CatalogReport(long products, List<PlatformReport> platforms) {
    static final int SAMPLE = 100;

    /**
     * One platform's part.
     *
     * @param platform     the platform
     * @param ready        products it accepts as they are
     * @param withProblems products with at least one problem
     * @param problems     up to {@value #SAMPLE} problems, in product id order
     */
    public record PlatformReport(FeedPlatform platform, long ready, long withProblems, List<Problem> problems) {
    }

    /**
     * A product's problem on one platform.
     *
     * @param productId the product
     * @param field     the field, as the API names it
     * @param message   what the platform needs
     */
    public record Problem(String productId, String field, String message) {
    }

    public static CatalogReport of(JdbcCatalog catalog, String storeId) {
        Map<FeedPlatform, long[]> counts = new EnumMap<>(FeedPlatform.class);
        Map<FeedPlatform, List<Problem>> samples = new EnumMap<>(FeedPlatform.class);
        for (FeedPlatform p : FeedPlatform.values()) {
            counts.put(p, new long[2]);
            samples.put(p, new ArrayList<>());
        }
        long products = 0;
        String after = null;
        while (true) {
            List<JdbcCatalog.Entry> page = catalog.page(storeId, after, FeedRoutes.PAGE);
            for (JdbcCatalog.Entry e : page) {
                products++;
                for (FeedPlatform p : FeedPlatform.values()) {
                    List<Violation> problems = p.problems(e.product());
                    counts.get(p)[problems.isEmpty() ? 0 : 1]++;
                    List<Problem> sample = samples.get(p);
                    for (Violation v : problems) {
                        if (sample.size() < SAMPLE) {
                            sample.add(new Problem(e.product().id(), v.field(), v.message()));
                        }
                    }
                }
            }
            if (page.size() < FeedRoutes.PAGE) {
                break;
            }
            after = page.getLast().product().id();
        }
        List<PlatformReport> out = new ArrayList<>();
        for (FeedPlatform p : FeedPlatform.values()) {
            out.add(new PlatformReport(p, counts.get(p)[0], counts.get(p)[1], List.copyOf(samples.get(p))));
        }
        return new CatalogReport(products, out);
    }
}
