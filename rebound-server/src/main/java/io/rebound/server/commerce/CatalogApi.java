package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.FeedPlatform;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.api.BadRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static io.rebound.server.api.QueryParams.cursorParam;
import static io.rebound.server.api.QueryParams.intParam;
import static io.rebound.server.api.QueryParams.nextCursor;

/**
 * The catalog API (store secret key), docs/catalog.md:
 * <pre>
 * PUT    /api/v1/stores/:store/products/:id       one product → 201 new, 200 replaced
 * POST   /api/v1/stores/:store/products/batch     {"products": [...]} up to 1,000, all or nothing
 * POST   /api/v1/stores/:store/products.csv       a CSV file (text/csv): good rows kept, bad ones listed by row and column
 * GET    /api/v1/stores/:store/products           ?limit=&amp;cursor=  in id order
 * GET    /api/v1/stores/:store/products/:id
 * DELETE /api/v1/stores/:store/products/:id       204
 * GET    /api/v1/stores/:store/catalog/feeds      the feed URLs
 * POST   /api/v1/stores/:store/catalog/feeds/rotate   new feed URLs; the old ones stop working
 * GET    /api/v1/stores/:store/catalog/coverage   do the events' product ids exist in the catalog?
 * GET    /api/v1/stores/:store/catalog/report     per platform: products it takes as they are, and the problems
 * </pre>
 * Bad input is a 400 listing every violation by field ({@code products[3].price}); another store's
 * product is a 404 like a missing one; the feeds themselves are served by {@link FeedRoutes}.
 *
 * @param catalog        the products
 * @param tokens         the feed tokens
 * @param auth           the store secret-key check
 * @param seenProductIds the product ids a store's events referenced (the dashboard's funnel keeps them)
 * @param publicUrl      the server's public base URL for feed links, or null to take the request's host
 */
public record CatalogApi(JdbcCatalog catalog, FeedTokens tokens, ApiAuth auth,
                         Function<String, Set<String>> seenProductIds, URI publicUrl) {
    public static final int MAX_PRODUCT_BYTES = 64 * 1024;
    public static final int MAX_BATCH = 1_000;
    public static final int MAX_BATCH_BYTES = 8 * 1024 * 1024;
    /** CSV upload: bytes of one file (rows are bounded by {@link CatalogCsv#MAX_ROWS}). */
    public static final int MAX_CSV_BYTES = 8 * 1024 * 1024;
    /** Row errors one CSV answer lists; the count is always complete. */
    static final int MAX_LISTED_ERRORS = 1_000;

    public void mount(Router router) {
        String products = "/api/v1/stores/:store/products";
        // The batch route comes first: "batch" is no product id for POST (products are PUT by id).
        new ApiRoutes.Mount(MAX_BATCH_BYTES).withBody(router.post(products + "/batch"), auth.withStore(this::batch));
        new ApiRoutes.Mount(MAX_CSV_BYTES).withBody(router.post("/api/v1/stores/:store/products.csv"),
                auth.withStore(this::csv));
        ApiRoutes.Mount api = new ApiRoutes.Mount(MAX_PRODUCT_BYTES);
        api.worker(router.get(products), auth.withStore(this::list));
        api.withBody(router.put(products + "/:id"), auth.withStore(this::put));
        api.worker(router.get(products + "/:id"), auth.withStore(this::get));
        api.worker(router.delete(products + "/:id"), auth.withStore(this::delete));
        api.worker(router.get("/api/v1/stores/:store/catalog/feeds"), this::feeds);
        api.worker(router.post("/api/v1/stores/:store/catalog/feeds/rotate"), this::rotate);
        api.worker(router.get("/api/v1/stores/:store/catalog/coverage"), auth.withStore(this::coverage));
        api.worker(router.get("/api/v1/stores/:store/catalog/report"), auth.withStore(this::report));
    }

    // ---- products ----------------------------------------------------------------------------

    private void put(RoutingContext ctx, Store store) {
        ProductJson.Parsed p = ProductJson.parse(body(ctx), "", ctx.pathParam("id"));
        if (p.product() == null) {
            ApiErrors.violations(ctx, 400, "invalid_product", p.violations());
            return;
        }
        boolean created = catalog.upsert(store.id(), p.product());
        JdbcCatalog.Entry e = catalog.get(store.id(), p.product().id()).orElseThrow();
        if (created) {
            ctx.response().putHeader("Location", "/api/v1/stores/" + store.id() + "/products/" + p.product().id());
        }
        ApiErrors.json(ctx, created ? 201 : 200, ProductJson.render(e));
    }

    private void batch(RoutingContext ctx, Store store) {
        JsonNode body = body(ctx);
        JsonNode list = body == null ? null : body.get("products");
        if (list == null || !list.isArray()) {
            throw new BadRequest("products", "send {\"products\": [...]}: an array of up to " + MAX_BATCH + " products");
        }
        if (list.isEmpty() || list.size() > MAX_BATCH) {
            throw new BadRequest("products", "must hold 1.." + MAX_BATCH + " products, got " + list.size());
        }
        List<Violation> violations = new ArrayList<>();
        List<CatalogProduct> products = new ArrayList<>(list.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ProductJson.Parsed p = ProductJson.parse(list.get(i), "products[" + i + "].", null);
            violations.addAll(p.violations());
            if (p.product() != null) {
                if (!ids.add(p.product().id())) {
                    violations.add(new Violation("products[" + i + "].id", "'" + p.product().id()
                            + "' appears twice in this batch"));
                }
                products.add(p.product());
            }
        }
        if (!violations.isEmpty()) {
            ApiErrors.violations(ctx, 400, "invalid_products", violations);
            return;
        }
        JdbcCatalog.Written w = catalog.upsertAll(store.id(), products);
        ApiErrors.json(ctx, 200, new JsonObject().put("created", w.created()).put("updated", w.updated())
                .put("total", catalog.count(store.id())));
    }

    private void csv(RoutingContext ctx, Store store) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")) {
            ApiErrors.send(ctx, 415, "unsupported_media_type", "send the file as Content-Type: text/csv", "Content-Type");
            return;
        }
        byte[] bytes = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        boolean dryRun = "true".equals(ctx.queryParams().get("dry_run"));
        ApiErrors.json(ctx, 200, importCsv(catalog, store.id(), new String(bytes, StandardCharsets.UTF_8), dryRun));
    }

    /**
     * Reads a CSV catalog and keeps its good rows (none when {@code dryRun}); the answer the API gives,
     * which the dashboard shows too. A file that is not a catalog is a {@link BadRequest}.
     */
    public static JsonObject importCsv(JdbcCatalog catalog, String storeId, String text, boolean dryRun) {
        CatalogCsv.Parsed parsed;
        try {
            parsed = CatalogCsv.parse(new java.io.StringReader(text), CatalogCsv.MAX_ROWS);
        } catch (CatalogCsv.BadFile e) {
            throw new BadRequest(e.field(), e.getMessage());
        }
        JdbcCatalog.Written w = dryRun ? new JdbcCatalog.Written(0, 0) : CatalogCsv.keep(catalog, storeId, parsed);
        JsonArray errors = new JsonArray();
        parsed.errors().stream().limit(MAX_LISTED_ERRORS).forEach(e -> errors.add(new JsonObject()
                .put("row", e.row()).put("column", e.column()).put("message", e.message())));
        return new JsonObject().put("rows", parsed.rows()).put("accepted", parsed.products().size())
                .put("rejected", parsed.rejected()).put("created", w.created()).put("updated", w.updated())
                .put("dry_run", dryRun).put("total", catalog.count(storeId))
                .put("error_count", parsed.errors().size()).put("errors", errors);
    }

    private void list(RoutingContext ctx, Store store) {
        int limit = intParam(ctx, "limit", 100, 1, 1_000);
        String after = cursorParam(ctx, CatalogProduct::validId);
        List<JdbcCatalog.Entry> page = catalog.page(store.id(), after, limit);
        JsonArray out = new JsonArray();
        page.forEach(e -> out.add(ProductJson.render(e)));
        String next = nextCursor(page, limit, e -> e.product().id());
        ApiErrors.json(ctx, 200, new JsonObject().put("products", out).put("next_cursor", next)
                .put("total", catalog.count(store.id())));
    }

    private void get(RoutingContext ctx, Store store) {
        String id = ctx.pathParam("id");
        Optional<JdbcCatalog.Entry> e = CatalogProduct.validId(id) ? catalog.get(store.id(), id) : Optional.empty();
        if (e.isEmpty()) {
            notFound(ctx, store, id);
            return;
        }
        ApiErrors.json(ctx, 200, ProductJson.render(e.get()));
    }

    private void delete(RoutingContext ctx, Store store) {
        String id = ctx.pathParam("id");
        if (!CatalogProduct.validId(id) || !catalog.delete(store.id(), id)) {
            notFound(ctx, store, id);
            return;
        }
        ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
    }

    private static void notFound(RoutingContext ctx, Store store, String id) {
        String shown = id.length() > 60 ? id.substring(0, 60) + "…" : id;
        ApiErrors.send(ctx, 404, "product_not_found", "no product '" + shown + "' in store '" + store.id() + "'");
    }

    // ---- feeds and coverage ------------------------------------------------------------------

    private void feeds(RoutingContext ctx) {
        auth.requireStore(ctx, ctx.pathParam("store"))
                .ifPresent(s -> ApiErrors.json(ctx, 200, feedUrls(ctx, s, tokens.tokenFor(s.id()))));
    }

    private void rotate(RoutingContext ctx) {
        auth.requireStore(ctx, ctx.pathParam("store"))
                .ifPresent(s -> ApiErrors.json(ctx, 200, feedUrls(ctx, s, tokens.rotate(s.id()))));
    }

    private JsonObject feedUrls(RoutingContext ctx, Store store, String token) {
        String base = publicUrl != null ? publicUrl.toString().replaceAll("/+$", "")
                : ctx.request().scheme() + "://" + ctx.request().authority();
        JsonArray feeds = new JsonArray();
        for (FeedPlatform p : FeedPlatform.values()) {
            feeds.add(new JsonObject().put("platform", p.id()).put("file", p.fileName())
                    .put("content_type", p.writer().contentType())
                    .put("url", FeedRoutes.url(base, store.id(), p, token)));
        }
        return new JsonObject().put("store_id", store.id()).put("products", catalog.count(store.id()))
                .put("feeds", feeds);
    }

    private void coverage(RoutingContext ctx, Store store) {
        String storeId = store.id();
        CatalogCoverage c = CatalogCoverage.of(catalog, storeId, seenProductIds.apply(storeId));
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", storeId)
                .put("days", 30)
                .put("event_product_ids", c.eventProductIds())
                .put("in_catalog", c.inCatalog())
                .put("missing_from_catalog", c.missing())
                .put("missing_sample", new JsonArray(new ArrayList<Object>(c.missingSample())))
                .put("catalog_products", c.catalogProducts())
                .put("never_seen_in_events", c.neverSeen())
                .put("never_seen_sample", new JsonArray(new ArrayList<Object>(c.neverSeenSample())))
                .put("coverage_percent", c.percent()));
    }

    private void report(RoutingContext ctx, Store store) {
        CatalogReport r = CatalogReport.of(catalog, store.id());
        JsonArray platforms = new JsonArray();
        for (CatalogReport.PlatformReport p : r.platforms()) {
            JsonArray problems = new JsonArray();
            p.problems().forEach(x -> problems.add(new JsonObject().put("id", x.productId()).put("field", x.field())
                    .put("message", x.message())));
            platforms.add(new JsonObject().put("platform", p.platform().id()).put("file", p.platform().fileName())
                    .put("ready", p.ready()).put("with_problems", p.withProblems()).put("problems", problems));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", store.id()).put("products", r.products())
                .put("platforms", platforms));
    }

    // ---- input -------------------------------------------------------------------------------

    private static JsonNode body(RoutingContext ctx) {
        return ApiRoutes.jsonObject(ctx, "a JSON object");
    }
}
