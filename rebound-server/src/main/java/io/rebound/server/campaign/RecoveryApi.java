package io.rebound.server.campaign;

import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cart recovery links ({@link RecoveryLinks}):
 * <pre>
 * POST /api/v1/stores/:store/recovery-links   {platform, shop_url, items, code, expires_hours} → 201 {url, target, expires_at}
 * GET  /r/:token                              302 to the store's cart; 400 page when tampered, 410 when expired
 * </pre>
 * Creating takes the store's secret key; following is public (the link is what the shopper clicks).
 *
 * @param links     what signs and reads a link
 * @param auth      the store secret-key check
 * @param publicUrl where links point (null: the URL the request came to)
 * @param clock     when a link expires
 */
public record RecoveryApi(RecoveryLinks links, ApiAuth auth, URI publicUrl, Clock clock) {
    static final int MAX_BODY_BYTES = 16 * 1024;

    public void mount(Router router) {
        new ApiRoutes.Mount(MAX_BODY_BYTES).withBody(router.post("/api/v1/stores/:store/recovery-links"),
                auth.withStore(this::create));
        router.get("/r/:token").handler(this::follow);
    }

    private void create(RoutingContext ctx, Store store) {
        Map<String, Object> json = ApiRoutes.jsonMap(ctx, "a recovery link as a JSON object (docs/campaigns.md)",
                (field, message) -> new io.rebound.server.api.BadRequest(field, message));
        List<Violation> problems = new ArrayList<>();
        RecoveryLinks.Cart cart = RecoveryLinks.parse(store.id(), json, clock.instant(), problems);
        if (cart == null) {
            ApiErrors.violations(ctx, 400, "invalid_recovery_link", problems);
            return;
        }
        String base = publicUrl != null ? publicUrl.toString()
                : ctx.request().scheme() + "://" + ctx.request().authority().toString();
        String url = base.replaceAll("/+$", "") + "/r/" + links.sign(cart);
        JsonArray items = new JsonArray();
        cart.lines().forEach(l -> items.add(new JsonObject().put("id", l.id()).put("quantity", l.quantity())));
        ApiErrors.json(ctx, 201, new JsonObject().put("url", url).put("target", RecoveryLinks.target(cart))
                .put("platform", cart.platform().json()).put("items", items).put("code", cart.code())
                .put("expires_at", cart.expiresAt().toString()));
    }

    private void follow(RoutingContext ctx) {
        switch (links.follow(ctx.pathParam("token"), clock.instant())) {
            case RecoveryLinks.Valid v -> ctx.response().setStatusCode(302).putHeader("Location", v.target())
                    .putHeader("Cache-Control", "no-store").putHeader("Referrer-Policy", "no-referrer").end();
            case RecoveryLinks.Expired e -> page(ctx, 410, "This link has expired",
                    "The cart link was valid until " + e.expiredAt() + ". Your cart may still be in the shop; "
                            + "the offer it carried has ended.");
            case RecoveryLinks.Invalid i -> page(ctx, 400, "This link is not valid",
                    "The cart link was changed or cut short. Open it again from the email you received.");
        }
    }

    private static void page(RoutingContext ctx, int status, String heading, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store").putHeader("Content-Security-Policy", "default-src 'none'")
                .end("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + heading
                        + "</title></head><body><h1 data-testid=\"link-error\">" + heading + "</h1><p>" + message
                        + "</p></body></html>");
    }
}
