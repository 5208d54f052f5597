package io.rebound.server.commerce;

import io.rebound.core.recommendation.SegmentProductSet;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.audience.Audiences;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

import static io.rebound.server.api.QueryParams.intParam;

/**
 * A segment's product set ({@link Recommendations#forSegment}) for the ad platforms, two ways:
 * <pre>
 * GET /api/v1/stores/:store/segments/:segment/product-set   ?limit=     (secret key) the ids, with member counts
 * GET /feeds/:store/sets/:segment.csv                       ?token=&amp;label=0..4   (feed token) a supplemental feed
 * </pre>
 * The feed is a CSV of two columns, {@code id} and {@code custom_label_N} (N from {@code label},
 * default 0), one row per product of the set with the segment's id as the label. Added to a catalog
 * as a supplemental feed, it labels the set's products, and a product set filtered on that label is
 * the segment's products: at each fetch a product that left the set loses the label. The token is the
 * catalog feeds' one ({@link FeedTokens}); a wrong token, an unknown store or segment all answer the
 * same 404.
 *
 * @param recommendations what makes a segment's product set
 * @param audiences       the segments and their members
 * @param tokens          the feed tokens
 * @param stores          the stores the feeds are served for
 * @param auth            the store secret-key check
 */
public record ProductSets(Recommendations recommendations, Audiences audiences, FeedTokens tokens,
                          StoreRepository stores, ApiAuth auth) {
    public static final int MAX_FEED_PRODUCTS = 1_000;

    public void mount(Router router) {
        ApiRoutes.blocking(router.get("/api/v1/stores/:store/segments/:segment/product-set"),
                auth.withStore(this::api), "64 KB");
        ApiRoutes.blocking(router.get("/feeds/:store/sets/:file"), this::feed, "64 KB");
    }

    private void api(RoutingContext ctx, Store store) {
        String storeId = store.id();
        int limit = intParam(ctx, "limit", 100, 1, MAX_FEED_PRODUCTS);
        String segmentId = ctx.pathParam("segment");
        if (segmentId.length() > RecommendationApi.MAX_SEGMENT_ID || audiences.segment(storeId, segmentId).isEmpty()) {
            RecommendationApi.segmentNotFound(ctx, storeId, segmentId);
            return;
        }
        Optional<Recommendations.SegmentSet> set = recommendations.forSegment(audiences.reader(), storeId, segmentId, limit);
        if (set.isEmpty()) {
            RecommendationApi.notInCluster(ctx);
            return;
        }
        JsonArray products = new JsonArray();
        for (SegmentProductSet.Entry e : set.get().products()) {
            products.add(new JsonObject().put("product_id", e.productId()).put("members", e.members())
                    .put("carted", e.carted()).put("viewed", e.viewed()));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", storeId).put("segment_id", segmentId)
                .put("members_counted", set.get().counted()).put("truncated", set.get().truncated())
                .put("products", products));
    }

    private void feed(RoutingContext ctx) {
        String storeId = ctx.pathParam("store");
        String file = ctx.pathParam("file");
        String segmentId = file.endsWith(".csv") ? file.substring(0, file.length() - 4) : null;
        String label = ctx.queryParams().get("label");
        boolean labelOk = label == null || label.matches("[0-4]");
        Optional<Store> store = segmentId != null && !segmentId.isEmpty() && labelOk && storeId.length() <= 40
                && segmentId.length() <= RecommendationApi.MAX_SEGMENT_ID
                && tokens.matches(storeId, ctx.queryParams().get("token")) ? stores.byId(storeId) : Optional.empty();
        Optional<Recommendations.SegmentSet> set = store.isEmpty() || audiences.segment(storeId, segmentId).isEmpty()
                ? Optional.empty() : recommendations.forSegment(audiences.reader(), storeId, segmentId, MAX_FEED_PRODUCTS);
        if (set.isEmpty()) {
            ApiErrors.send(ctx, 404, "feed_not_found", "no product set feed at this URL: it is "
                    + "/feeds/{store}/sets/{segment}.csv?token={the catalog feeds' token}&label=0..4 (embedded server only)");
            return;
        }
        StringBuilder csv = new StringBuilder(64 + set.get().products().size() * 40);
        csv.append("id,custom_label_").append(label == null ? "0" : label).append("\r\n");
        for (SegmentProductSet.Entry e : set.get().products()) {
            csv.append(cell(e.productId())).append(',').append(cell(segmentId)).append("\r\n");
        }
        ctx.response().setStatusCode(200).putHeader("Content-Type", "text/csv; charset=utf-8")
                .putHeader("Cache-Control", "private, no-cache").putHeader("X-Content-Type-Options", "nosniff")
                .end(csv.toString());
    }

    /** An RFC 4180 cell: quoted when it holds a comma, a quote or a line break. */
    private static String cell(String v) {
        return v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0 ? v
                : '"' + v.replace("\"", "\"\"") + '"';
    }
}
