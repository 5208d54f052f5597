package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The store webhooks API (store secret key), docs/webhooks.md:
 * <pre>
 * GET    /api/v1/stores/:store/webhooks              the URLs to configure, the topics, which secrets are set
 * PUT    /api/v1/stores/:store/webhooks/:platform    {"secret": "…"} sets or rotates it; the old one is refused at once
 * DELETE /api/v1/stores/:store/webhooks/:platform    204: deliveries are refused until a secret is set again
 * </pre>
 * A secret is never returned: only its last four characters. Another store's path is a 404 like
 * an unknown store; an unknown platform a 404.
 *
 * @param secrets   the stores' webhook secrets
 * @param auth      the store secret-key check
 * @param publicUrl the server's public base URL for the webhook URLs, or null to take the request's host
 */
public record WebhookApi(WebhookSecrets secrets, ApiAuth auth, URI publicUrl) {
    static final int MAX_BODY_BYTES = 4 * 1024;

    public void mount(Router router) {
        String path = "/api/v1/stores/:store/webhooks";
        ApiRoutes.Mount api = new ApiRoutes.Mount(MAX_BODY_BYTES);
        api.worker(router.get(path), auth.withStore(this::list));
        api.withBody(router.put(path + "/:platform"), auth.withStore(this::put));
        api.worker(router.delete(path + "/:platform"), auth.withStore(this::delete));
    }

    private void list(RoutingContext ctx, Store store) {
        List<WebhookSecrets.Hint> hints = secrets.hints(store.id());
        JsonArray out = new JsonArray();
        for (WebhookPlatform p : WebhookPlatform.values()) {
            out.add(render(ctx, store, p, hints.stream().filter(h -> h.platform() == p).findFirst()));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", store.id()).put("webhooks", out));
    }

    private void put(RoutingContext ctx, Store store) {
        Optional<WebhookPlatform> platform = platform(ctx);
        if (platform.isEmpty()) {
            return;
        }
        String secret = secret(body(ctx));
        WebhookSecrets.Hint hint = secrets.set(store.id(), platform.get(), secret);
        ApiErrors.json(ctx, 200, render(ctx, store, platform.get(), Optional.of(hint)));
    }

    private void delete(RoutingContext ctx, Store store) {
        Optional<WebhookPlatform> platform = platform(ctx);
        if (platform.isEmpty()) {
            return;
        }
        if (!secrets.delete(store.id(), platform.get())) {
            ApiErrors.send(ctx, 404, "webhook_secret_not_found", "no " + platform.get().displayName()
                    + " webhook secret is set for store '" + store.id() + "'");
            return;
        }
        ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
    }

    private static Optional<WebhookPlatform> platform(RoutingContext ctx) {
        Optional<WebhookPlatform> p = WebhookPlatform.byId(ctx.pathParam("platform"));
        if (p.isEmpty()) {
            ApiErrors.send(ctx, 404, "unknown_platform", "webhooks are set per platform: shopify or woocommerce");
        }
        return p;
    }

    private JsonObject render(RoutingContext ctx, Store store, WebhookPlatform platform,
                              Optional<WebhookSecrets.Hint> hint) {
        String base = publicUrl != null ? publicUrl.toString().replaceAll("/+$", "")
                : ctx.request().scheme() + "://" + ctx.request().authority();
        JsonObject out = new JsonObject().put("platform", platform.id())
                .put("url", base + WebhookReceiver.path(store.id(), platform))
                .put("topics", new JsonArray(platform.topics()))
                .put("format", "JSON")
                .put("secret_set", hint.isPresent());
        hint.ifPresent(h -> out.put("secret_hint", "…" + h.lastFour()).put("updated_at", h.updatedAt().toString()));
        return out;
    }

    /** The {@code secret} of the body, checked: the only field, a string of printable characters. */
    private static String secret(JsonNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!"secret".equals(name)) {
                throw new BadRequest(name, "is not a known field; send {\"secret\": \"…\"}");
            }
        }
        JsonNode s = body.get("secret");
        if (s == null || !s.isTextual()) {
            throw new BadRequest("secret", "is required: the client secret (Shopify) or webhook secret "
                    + "(WooCommerce), as a string");
        }
        String secret = s.textValue();
        if (secret.length() < WebhookSecrets.MIN_LENGTH || secret.length() > WebhookSecrets.MAX_LENGTH) {
            throw new BadRequest("secret", "must be " + WebhookSecrets.MIN_LENGTH + " to " + WebhookSecrets.MAX_LENGTH
                    + " characters, got " + secret.length());
        }
        if (!secret.equals(secret.strip())) {
            throw new BadRequest("secret", "starts or ends with white space; paste the secret exactly");
        }
        for (int i = 0; i < secret.length(); i++) {
            if (Character.isISOControl(secret.charAt(i))) {
                throw new BadRequest("secret", "must not contain control characters (position " + i + ")");
            }
        }
        return secret;
    }

    private static JsonNode body(RoutingContext ctx) {
        return ApiRoutes.jsonObject(ctx, "a JSON object: {\"secret\": \"…\"}");
    }
}
