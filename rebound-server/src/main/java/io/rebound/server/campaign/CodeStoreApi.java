package io.rebound.server.campaign;

import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.api.BadRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the store's codes are also created (store secret key):
 * <pre>
 * PUT    /api/v1/stores/:store/code-store   {"platform": "shopify", "shop_url", "api_version"?, "access_token", "mode"?}
 *                                           {"platform": "woocommerce", "shop_url", "consumer_key", "consumer_secret", "mode"?}
 * GET    /api/v1/stores/:store/code-store   the connection, each credential as its last four characters
 * DELETE /api/v1/stores/:store/code-store   204: codes are Rebound's only again
 * </pre>
 * The mode defaults to {@code dry_run}: the requests are built and recorded on each code, nothing is sent.
 *
 * @param stores the stores' code store connections
 * @param auth   the store secret-key check
 */
public record CodeStoreApi(JdbcCodeStores stores, ApiAuth auth) {
    static final String DEFAULT_SHOPIFY_VERSION = "2025-07";
    private static final Set<String> SHOPIFY = Set.of("platform", "shop_url", "api_version", "access_token", "mode");
    private static final Set<String> WOO = Set.of("platform", "shop_url", "consumer_key", "consumer_secret", "mode");

    public void mount(Router router) {
        String path = "/api/v1/stores/:store/code-store";
        ApiRoutes.Mount api = new ApiRoutes.Mount(8 * 1024);
        api.withBody(router.put(path), auth.withStore(this::put));
        api.worker(router.get(path), auth.withStore(this::get));
        api.worker(router.delete(path), auth.withStore(this::delete));
    }

    private void put(RoutingContext ctx, Store store) {
        Map<String, Object> json = ApiRoutes.jsonMap(ctx, "a code store as a JSON object (docs/campaigns.md)", BadRequest::new);
        List<Violation> problems = new ArrayList<>();
        StoreDiscounts.Connection c = parse(json, problems);
        if (c == null) {
            ApiErrors.violations(ctx, 400, "invalid_code_store", problems);
            return;
        }
        stores.put(store.id(), c);
        ApiErrors.json(ctx, 200, json(store.id(), c));
    }

    private void get(RoutingContext ctx, Store store) {
        stores.get(store.id()).ifPresentOrElse(c -> ApiErrors.json(ctx, 200, json(store.id(), c)),
                () -> ApiErrors.send(ctx, 404, "code_store_not_found", "store '" + store.id()
                        + "' creates its codes nowhere but in Rebound; PUT a code store to create them in the shop"));
    }

    private void delete(RoutingContext ctx, Store store) {
        if (stores.delete(store.id())) {
            ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
        } else {
            ApiErrors.send(ctx, 404, "code_store_not_found", "store '" + store.id() + "' has no code store");
        }
    }

    static StoreDiscounts.Connection parse(Map<String, Object> json, List<Violation> problems) {
        Object platform = json.get("platform");
        if (!"shopify".equals(platform) && !"woocommerce".equals(platform)) {
            problems.add(new Violation("platform", "must be \"shopify\" or \"woocommerce\""));
            return null;
        }
        boolean shopify = "shopify".equals(platform);
        for (String k : json.keySet()) {
            if (!(shopify ? SHOPIFY : WOO).contains(k)) {
                problems.add(new Violation(k, "is not a setting of a " + platform + " code store (" + String.join(", ",
                        new java.util.TreeSet<>(shopify ? SHOPIFY : WOO)) + ")"));
            }
        }
        String shopUrl = json.get("shop_url") instanceof String s && url(s) ? s : null;
        if (shopUrl == null) {
            problems.add(new Violation("shop_url", "must be the shop's base URL, https://host[/path]"));
        }
        Object mode = json.getOrDefault("mode", "dry_run");
        if (!"live".equals(mode) && !"dry_run".equals(mode)) {
            problems.add(new Violation("mode", "must be \"live\" or \"dry_run\" (default dry_run)"));
        }
        Map<String, String> credentials = new LinkedHashMap<>();
        String version = null;
        for (String secret : shopify ? List.of("access_token") : List.of("consumer_key", "consumer_secret")) {
            if (json.get(secret) instanceof String s && !s.isBlank() && s.length() <= 500 && s.strip().equals(s)) {
                credentials.put(secret, s);
            } else {
                problems.add(new Violation(secret, "is required: 1..500 characters, no surrounding white space"));
            }
        }
        if (shopify) {
            Object v = json.getOrDefault("api_version", DEFAULT_SHOPIFY_VERSION);
            if (v instanceof String s && s.matches("20\\d{2}-(01|04|07|10)")) {
                version = s;
            } else {
                problems.add(new Violation("api_version", "must be a Shopify API version such as " + DEFAULT_SHOPIFY_VERSION));
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new StoreDiscounts.Connection((String) platform, shopUrl, version, "live".equals(mode), credentials);
    }

    private static boolean url(String s) {
        try {
            URI u = new URI(s);
            return s.length() <= 500 && ("https".equals(u.getScheme()) || "http".equals(u.getScheme()))
                    && u.getHost() != null && u.getQuery() == null && u.getUserInfo() == null && u.getFragment() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static JsonObject json(String storeId, StoreDiscounts.Connection c) {
        JsonObject hints = new JsonObject();
        c.credentials().forEach((k, v) -> hints.put(k, "…" + v.substring(Math.max(0, v.length() - 4))));
        JsonObject out = new JsonObject().put("store_id", storeId).put("platform", c.platform())
                .put("shop_url", c.shopUrl()).put("mode", c.live() ? "live" : "dry_run").put("credentials", hints);
        if (c.apiVersion() != null) {
            out.put("api_version", c.apiVersion());
        }
        return out;
    }
}
