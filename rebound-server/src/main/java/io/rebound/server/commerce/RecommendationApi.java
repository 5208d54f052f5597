package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.PersonState;
import io.rebound.core.recommendation.MerchantRules;
import io.rebound.core.recommendation.Recommendation;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.api.BadRequest;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

import static io.rebound.server.api.QueryParams.intParam;

/**
 * Product recommendations (store secret key), docs/catalog.md "Product sets and recommendations":
 * <pre>
 * GET /api/v1/stores/:store/visitors/:visitor/recommendations  ?segment=&amp;limit=   a person's products, each with why
 * PUT /api/v1/stores/:store/products/:id/complements          {"complements": [...]}  up to 20, in order
 * GET /api/v1/stores/:store/products/:id/complements
 * GET /api/v1/stores/:store/recommendations/rules
 * PUT /api/v1/stores/:store/recommendations/rules             {"in_stock_only": true, "min_margin_percent": 30}
 * GET /api/v1/stores/:store/segments/:segment/product-set     ?limit=   the segment's product ids (see {@link ProductSets})
 * </pre>
 * A person's product set comes from their retained events ({@link PersonState#visitor()}, one read of
 * the audiences port, every linked id included); {@link Recommendations} decides what they are shown.
 * Where the runtime cannot read a person's state (cluster mode) the answer is 404
 * {@code not_available_in_cluster_mode}.
 */
public record RecommendationApi(Recommendations recommendations, Audiences audiences, ApiAuth auth) {
    public static final int MAX_VISITOR_ID = 200;
    public static final int MAX_SEGMENT_ID = 64;
    public static final int MAX_LIMIT = 50;
    private static final int BODY_LIMIT = 16 * 1024;

    public void mount(Router router) {
        ApiRoutes.Mount api = new ApiRoutes.Mount(BODY_LIMIT);
        api.worker(router.get("/api/v1/stores/:store/visitors/:visitor/recommendations"), auth.withStore(this::recommend));
        api.withBody(router.put("/api/v1/stores/:store/products/:id/complements"), auth.withStore(this::putComplements));
        api.worker(router.get("/api/v1/stores/:store/products/:id/complements"), auth.withStore(this::getComplements));
        api.worker(router.get("/api/v1/stores/:store/recommendations/rules"), this::getRules);
        api.withBody(router.put("/api/v1/stores/:store/recommendations/rules"), auth.withStore(this::putRules));
    }

    // ---- a person's recommendations ----------------------------------------------------------

    private void recommend(RoutingContext ctx, Store store) {
        String storeId = store.id();
        String visitor = ctx.pathParam("visitor");
        if (visitor.isBlank() || visitor.length() > MAX_VISITOR_ID) {
            throw new BadRequest("visitor", "the visitor's anonymous id or user id, 1 to " + MAX_VISITOR_ID + " characters");
        }
        int limit = intParam(ctx, "limit", 10, 1, MAX_LIMIT);
        String segmentId = segmentParam(ctx);
        Optional<SegmentRecord> segment = Optional.empty();
        if (segmentId != null) {
            segment = audiences.segment(storeId, segmentId);
            if (segment.isEmpty()) {
                segmentNotFound(ctx, storeId, segmentId);
                return;
            }
        }
        Optional<String> personId = audiences.reader().personOf(storeId, visitor);
        if (personId.isEmpty()) {
            ApiErrors.send(ctx, 404, "visitor_not_found", "no visitor '" + shown(visitor) + "' in store '" + storeId
                    + "': no event of theirs is kept");
            return;
        }
        Optional<PersonState> person = audiences.reader().person(storeId, personId.get());
        if (person.isEmpty()) {
            notInCluster(ctx);
            return;
        }
        JsonObject out = new JsonObject().put("store_id", storeId).put("visitor_id", visitor)
                .put("person_id", personId.get());
        if (segment.isPresent()) {
            boolean member = person.get().memberships().containsKey(segmentId);
            out.put("segment", new JsonObject().put("id", segmentId).put("name", segment.get().definition().name())
                    .put("member", member));
            if (!member) {
                // Segment-specific creative is for the segment's members only.
                ApiErrors.json(ctx, 200, out.put("recommendations", new JsonArray()));
                return;
            }
        }
        Recommendations.Picked picked = recommendations.forPerson(storeId, person.get(), limit);
        JsonArray items = new JsonArray();
        for (Recommendation r : picked.items()) {
            items.add(item(r, picked.products().get(r.productId())));
        }
        ApiErrors.json(ctx, 200, out.put("recommendations", items));
    }

    private static JsonObject item(Recommendation r, CatalogProduct p) {
        JsonObject o = new JsonObject().put("product_id", r.productId()).put("reason", r.reason().json());
        if (r.relatedTo() != null) {
            o.put("related_to", r.relatedTo());
        }
        return o.put("title", p.title()).put("price", p.currentPrice().toPlainString()).put("currency", p.currency())
                .put("link", p.link()).put("image_link", p.imageLink());
    }

    // ---- complements -------------------------------------------------------------------------

    private void putComplements(RoutingContext ctx, Store store) {
        String productId = ctx.pathParam("id");
        JsonNode body = ApiRoutes.jsonObject(ctx, "{\"complements\": [\"product-id\", ...]}");
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("complements")) {
                throw new BadRequest(f, "unknown field '" + shown(f) + "': send {\"complements\": [...]}");
            }
        }
        JsonNode list = body.get("complements");
        if (list == null || !list.isArray()) {
            throw new BadRequest("complements", "complements is required: an array of up to "
                    + JdbcRecommendations.MAX_COMPLEMENTS + " product ids ([] removes them)");
        }
        if (list.size() > JdbcRecommendations.MAX_COMPLEMENTS) {
            throw new BadRequest("complements", "at most " + JdbcRecommendations.MAX_COMPLEMENTS
                    + " complements per product, got " + list.size());
        }
        List<String> ids = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String field = "complements[" + i + "]";
            if (!n.isTextual() || !CatalogProduct.validId(n.asText())) {
                throw new BadRequest(field, "must be a product id: 1 to 50 letters, digits or . _ - : ~ +");
            }
            if (n.asText().equals(productId)) {
                throw new BadRequest(field, "a product is not its own complement");
            }
            if (ids.contains(n.asText())) {
                throw new BadRequest(field, "'" + n.asText() + "' appears twice");
            }
            ids.add(n.asText());
        }
        if (!productExists(ctx, store.id(), productId)) {
            return;
        }
        recommendations.settings().setComplements(store.id(), productId, ids);
        ApiErrors.json(ctx, 200, complementsJson(store.id(), productId, ids));
    }

    private void getComplements(RoutingContext ctx, Store store) {
        String productId = ctx.pathParam("id");
        if (!productExists(ctx, store.id(), productId)) {
            return;
        }
        List<String> ids = recommendations.settings().complements(store.id(), List.of(productId))
                .getOrDefault(productId, List.of());
        ApiErrors.json(ctx, 200, complementsJson(store.id(), productId, ids));
    }

    private boolean productExists(RoutingContext ctx, String storeId, String productId) {
        if (CatalogProduct.validId(productId) && recommendations.catalog().get(storeId, productId).isPresent()) {
            return true;
        }
        ApiErrors.send(ctx, 404, "product_not_found", "no product '" + shown(productId) + "' in store '" + storeId
                + "': add it to the catalog first");
        return false;
    }

    private static JsonObject complementsJson(String storeId, String productId, List<String> ids) {
        return new JsonObject().put("store_id", storeId).put("product_id", productId)
                .put("complements", new JsonArray(List.copyOf(ids)));
    }

    // ---- merchant rules ----------------------------------------------------------------------

    private void getRules(RoutingContext ctx) {
        auth.requireStore(ctx, ctx.pathParam("store"))
                .ifPresent(s -> ApiErrors.json(ctx, 200, rulesJson(s.id(), recommendations.settings().rules(s.id()))));
    }

    private void putRules(RoutingContext ctx, Store store) {
        JsonNode body = ApiRoutes.jsonObject(ctx, "{\"in_stock_only\": true, \"min_margin_percent\": 30}");
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("in_stock_only") && !f.equals("min_margin_percent")) {
                throw new BadRequest(f, "unknown field '" + shown(f) + "': send in_stock_only and min_margin_percent");
            }
        }
        JsonNode stock = body.get("in_stock_only");
        if (stock == null || !stock.isBoolean()) {
            throw new BadRequest("in_stock_only", "in_stock_only is required: true or false");
        }
        JsonNode floor = body.get("min_margin_percent");
        BigDecimal min = null;
        if (floor != null && !floor.isNull()) {
            try {
                min = floor.isNumber() ? floor.decimalValue() : floor.isTextual() ? new BigDecimal(floor.asText().strip()) : null;
            } catch (NumberFormatException e) {
                min = null;
            }
            if (min == null || min.signum() < 0 || min.compareTo(BigDecimal.valueOf(100)) > 0
                    || min.stripTrailingZeros().scale() > 2) {
                throw new BadRequest("min_margin_percent", "min_margin_percent must be a number from 0 to 100 with at "
                        + "most 2 decimals, or null for no floor");
            }
            min = min.setScale(2, java.math.RoundingMode.UNNECESSARY);
        }
        MerchantRules rules = new MerchantRules(stock.booleanValue(), min);
        recommendations.settings().setRules(store.id(), rules);
        ApiErrors.json(ctx, 200, rulesJson(store.id(), rules));
    }

    private static JsonObject rulesJson(String storeId, MerchantRules r) {
        return new JsonObject().put("store_id", storeId).put("in_stock_only", r.inStockOnly())
                .put("min_margin_percent", r.minMarginPercent() == null ? null : r.minMarginPercent().toPlainString())
                .put("never_already_bought", true);
    }

    // ---- shared ------------------------------------------------------------------------------

    /** The {@code segment} query parameter: null when absent, else 1..64 characters. */
    static String segmentParam(RoutingContext ctx) {
        String s = ctx.queryParams().get("segment");
        if (s == null) {
            return null;
        }
        if (s.isBlank() || s.length() > MAX_SEGMENT_ID) {
            throw new BadRequest("segment", "segment must be a segment id, 1 to " + MAX_SEGMENT_ID + " characters");
        }
        return s;
    }

    static void segmentNotFound(RoutingContext ctx, String storeId, String segmentId) {
        ApiErrors.send(ctx, 404, "segment_not_found", "no segment '" + shown(segmentId) + "' in store '" + storeId + "'");
    }

    static void notInCluster(RoutingContext ctx) {
        ApiErrors.send(ctx, 404, "not_available_in_cluster_mode", "product sets are read from the person's kept "
                + "events, which only the embedded server keeps per person");
    }

    static String shown(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
