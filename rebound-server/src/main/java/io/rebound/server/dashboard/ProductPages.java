package io.rebound.server.dashboard;

import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.FeedPlatform;
import io.rebound.core.catalog.FeedWriter;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.server.api.BadRequest;
import io.rebound.server.commerce.CatalogApi;
import io.rebound.server.commerce.CatalogReport;
import io.rebound.server.commerce.FeedRoutes;
import io.rebound.server.commerce.FeedTokens;
import io.rebound.server.commerce.JdbcCatalog;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store's product catalog in the dashboard, over {@link JdbcCatalog} (never the HTTP API):
 * <pre>
 * GET  /dashboard/stores/:store/products            ?q=&amp;page=  search, problems per product, feed URLs, report, upload form
 * GET  /dashboard/stores/:store/products/:id        one product: its problems and what each feed carries for it
 * POST /dashboard/stores/:store/products/upload     a CSV (form field csv): good rows kept, bad ones listed by row and column
 * </pre>
 * The upload goes through the same reader and rules as {@code POST /api/v1/stores/{store}/products.csv}
 * ({@link CatalogApi#importCsv}), bounded by the dashboard's 256 KB body limit (bigger files go to the API).
 *
 * @param publicUrl the server's public base URL for the feed links, or null to take the request's
 */
record ProductPages(StoreAccess access, Views views, JdbcCatalog catalog, FeedTokens tokens, URI publicUrl) {
    static final int PAGE_SIZE = 50;
    /** Above this many products the page does not scan the catalog for the report (the API does). */
    static final long REPORT_SCAN_LIMIT = 20_000;

    void mount(Router router) {
        String base = "/dashboard/stores/:store/products";
        router.get(base).blockingHandler(access.withStore(this::list), false);
        router.post(base + "/upload").blockingHandler(access.withStore(this::upload), false);
        router.get(base + "/:id").blockingHandler(access.withStore(this::product), false);
    }

    private void list(RoutingContext ctx, Store store) {
        renderList(ctx, 200, store, null, null, null);
    }

    private void renderList(RoutingContext ctx, int status, Store store, JsonObject upload, String uploadError,
                            String csv) {
        Map<String, Object> m = access.model(ctx, store, "products", "Products");
        String q = Optional.ofNullable(ctx.request().getParam("q")).orElse("");
        if (q.length() > 100) {
            q = q.substring(0, 100);
        }
        int page = 1;
        try {
            page = Math.max(1, Math.min(100_000, Integer.parseInt(ctx.request().getParam("page", "1"))));
        } catch (NumberFormatException e) {
            page = 1;
        }
        JdbcCatalog.Found found = catalog.search(store.id(), q, (page - 1) * PAGE_SIZE, PAGE_SIZE);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JdbcCatalog.Entry e : found.products()) {
            rows.add(row(e.product()));
        }
        long count = catalog.count(store.id());
        m.put("q", q);
        m.put("page", page);
        m.put("rows", rows);
        m.put("found", found.total());
        m.put("count", count);
        m.put("prev", page > 1 ? page - 1 : null);
        m.put("next", (long) page * PAGE_SIZE < found.total() ? page + 1 : null);
        m.put("feeds", feeds(ctx, store));
        m.put("report", count <= REPORT_SCAN_LIMIT ? report(store) : null);
        m.put("upload", upload == null ? null : upload.getMap());
        m.put("uploadErrors", upload == null ? List.of() : upload.getJsonArray("errors").stream()
                .map(o -> ((JsonObject) o).getMap()).toList());
        m.put("uploadError", uploadError);
        m.put("csv", csv);
        m.put("maxRows", io.rebound.server.commerce.CatalogCsv.MAX_ROWS);
        views.page(ctx, status, "products", m);
    }

    /** One line of the list: the product and its problems on each platform. */
    private static Map<String, Object> row(CatalogProduct p) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", p.id());
        r.put("title", p.title());
        r.put("price", FeedWriter.money(p.currentPrice(), p.currency()));
        r.put("availability", p.availability().json());
        List<String> problems = new ArrayList<>();
        for (FeedPlatform f : FeedPlatform.values()) {
            for (Violation v : f.problems(p)) {
                problems.add(f.title() + ": " + v.field() + " " + v.message());
            }
        }
        r.put("problems", problems);
        return r;
    }

    private List<Map<String, Object>> feeds(RoutingContext ctx, Store store) {
        String base = publicUrl != null ? publicUrl.toString()
                : ctx.request().scheme() + "://" + ctx.request().authority();
        String token = tokens.tokenFor(store.id());
        List<Map<String, Object>> out = new ArrayList<>();
        for (FeedPlatform p : FeedPlatform.values()) {
            out.add(Map.of("platform", p.id(), "title", p.title(), "url", FeedRoutes.url(base, store.id(), p, token)));
        }
        return out;
    }

    private List<Map<String, Object>> report(Store store) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CatalogReport.PlatformReport p : CatalogReport.of(catalog, store.id()).platforms()) {
            Map<String, Object> r = new HashMap<>();
            r.put("platform", p.platform().id());
            r.put("title", p.platform().title());
            r.put("ready", p.ready());
            r.put("withProblems", p.withProblems());
            out.add(r);
        }
        return out;
    }

    private void upload(RoutingContext ctx, Store store) {
        String csv = Optional.ofNullable(ctx.request().getFormAttribute("csv")).orElse("");
        boolean dryRun = "on".equals(ctx.request().getFormAttribute("dry_run"));
        try {
            JsonObject result = CatalogApi.importCsv(catalog, store.id(), csv, dryRun);
            renderList(ctx, 200, store, result, null, null);
        } catch (BadRequest e) {
            renderList(ctx, 400, store, null, e.getMessage(), csv.length() <= 64 * 1024 ? csv : null);
        }
    }

    private void product(RoutingContext ctx, Store store) {
        String id = ctx.pathParam("id");
        Optional<JdbcCatalog.Entry> entry = CatalogProduct.validId(id) ? catalog.get(store.id(), id) : Optional.empty();
        if (entry.isEmpty()) {
            views.error(ctx, 404, "Product not found", "There is no such product in this store's catalog.");
            return;
        }
        CatalogProduct p = entry.get().product();
        Map<String, Object> m = access.model(ctx, store, "products", p.title());
        m.put("product", p);
        m.put("price", FeedWriter.money(p.price(), p.currency()));
        m.put("salePrice", p.salePrice() == null ? null : FeedWriter.money(p.salePrice(), p.currency()));
        m.put("updatedAt", entry.get().updatedAt().toString());
        List<Map<String, Object>> platforms = new ArrayList<>();
        for (FeedPlatform f : FeedPlatform.values()) {
            FeedWriter w = f.writer();
            StringBuilder text = new StringBuilder();
            if (f == FeedPlatform.META) {
                w.begin(new FeedWriter.FeedInfo(store.name(), "https://example.invalid/", "preview"), text);
            }
            w.item(p, text);
            Map<String, Object> r = new HashMap<>();
            r.put("platform", f.id());
            r.put("title", f.title());
            r.put("file", f.fileName());
            r.put("entry", text.toString().strip());
            r.put("problems", f.problems(p).stream().map(v -> v.field() + ": " + v.message()).toList());
            platforms.add(r);
        }
        m.put("platforms", platforms);
        views.page(ctx, 200, "product", m);
    }
}
