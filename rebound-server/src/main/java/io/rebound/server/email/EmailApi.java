package io.rebound.server.email;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.api.BadRequest;
import io.rebound.server.collect.Pii;
import io.rebound.server.http.Html;
import io.rebound.core.store.Store;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.Optional;

/**
 * The email endpoints. The subscriber list (store secret key): {@code PUT
 * /api/v1/stores/{store}/subscribers/{email}} with {@code {"consent": true}} gives Rebound an address
 * the person agreed to receive marketing at, {@code DELETE} takes it back. Unsubscribing (public, the
 * signed token is the credential): {@code POST /email/unsubscribe?t=…} is the RFC 8058 one-click
 * target, {@code GET} shows a page with the button (a GET never unsubscribes: mail scanners follow links).
 *
 * @param queue  the subscribers and suppressions
 * @param tokens what signs and verifies an unsubscribe token
 * @param auth   the store secret-key check
 * @param clock  when an address is stored or unsubscribed
 */
public record EmailApi(JdbcEmailQueue queue, UnsubscribeTokens tokens, ApiAuth auth, Clock clock) {

    public void mount(Router router) {
        String path = "/api/v1/stores/:store/subscribers/:email";
        ApiRoutes.Mount api = new ApiRoutes.Mount(4096);
        api.withBody(router.put(path), auth.withStore(this::put));
        api.worker(router.delete(path), auth.withStore(this::delete));
        api.withBody(router.post("/email/unsubscribe"), this::unsubscribe);
        api.worker(router.get("/email/unsubscribe"), this::page);
    }

    private void put(RoutingContext ctx, Store store) {
        String email = email(ctx);
        JsonNode body = ApiRoutes.jsonObject(ctx, "a JSON object: {\"consent\": true}");
        if (!body.path("consent").isBoolean() || !body.get("consent").asBoolean()) {
            throw new BadRequest("consent", "send \"consent\": true — only addresses whose owner agreed to email "
                    + "marketing may be stored");
        }
        String hash = Pii.emailSha256(email);
        boolean suppressed = queue.suppressed(store.id(), hash);
        if (!suppressed) {
            queue.putSubscriber(store.id(), hash, email, clock.instant());
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("email_sha256", hash).put("subscribed", !suppressed)
                .put("suppressed", suppressed));
    }

    private void delete(RoutingContext ctx, Store store) {
        boolean existed = queue.deleteSubscriber(store.id(), Pii.emailSha256(email(ctx)));
        if (existed) {
            ctx.response().setStatusCode(204).end();
        } else {
            ApiErrors.send(ctx, 404, "not_found", "no subscriber with this address");
        }
    }

    private static String email(RoutingContext ctx) {
        String email = Pii.normaliseEmail(ctx.pathParam("email"));
        if (email == null) {
            throw new BadRequest("email", "the path's email is not an address (name@domain.tld)");
        }
        return email;
    }

    private void unsubscribe(RoutingContext ctx) {
        Optional<UnsubscribeTokens.Subject> subject = tokens.verify(ctx.request().getParam("t"));
        if (subject.isEmpty()) {
            ApiErrors.send(ctx, 400, "invalid_token", "the unsubscribe link is not valid", "t");
            return;
        }
        queue.suppress(subject.get().storeId(), subject.get().emailHash(), "unsubscribed", clock.instant());
        html(ctx, 200, "<h1>You are unsubscribed</h1><p>You will get no more of these emails.</p>");
    }

    private void page(RoutingContext ctx) {
        String t = ctx.request().getParam("t");
        if (tokens.verify(t).isEmpty()) {
            html(ctx, 400, "<h1>This unsubscribe link is not valid</h1>");
            return;
        }
        html(ctx, 200, "<h1>Unsubscribe</h1><form method=\"post\" action=\"/email/unsubscribe?t="
                + Html.escape(java.net.URLEncoder.encode(t, java.nio.charset.StandardCharsets.UTF_8))
                + "\"><button type=\"submit\">Unsubscribe from these emails</button></form>");
    }

    private static void html(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head><body>"
                        + body + "</body></html>");
    }
}
