package io.rebound.server.api;

import io.rebound.server.meta.InvalidFieldException;
import io.rebound.server.meta.StoreNotFoundException;
import io.rebound.core.event.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * Ends admin-API responses with a JSON problem: {@code {"error": code, "message": text,
 * "field": name}} ({@code field} only when one input is at fault). A client never sees a
 * stack trace; unexpected failures are logged here and answered with a generic 500.
 */
public final class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {
    }

    /** Ends the response with {@code status} and a problem body; does nothing if it has ended. */
    public static void send(RoutingContext ctx, int status, String error, String message, String field) {
        JsonObject body = new JsonObject().put("error", error).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        json(ctx, status, body);
    }

    public static void send(RoutingContext ctx, int status, String error, String message) {
        send(ctx, status, error, message, null);
    }

    /** 400 naming the offending field. */
    public static void invalidField(RoutingContext ctx, String field, String message) {
        send(ctx, 400, "invalid_field", message, field);
    }

    /** 401 with the challenge a client needs to retry. */
    public static void unauthorized(RoutingContext ctx, String message) {
        if (!ctx.response().ended()) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"rebound\"");
        }
        send(ctx, 401, "unauthorized", message);
    }

    /** 404 for a store the caller cannot see, whether or not it exists. */
    public static void storeNotFound(RoutingContext ctx, String storeId) {
        send(ctx, 404, "store_not_found", "no store '" + storeId + "' for this key");
    }

    /** Ends the response with a JSON body (and no caching: it may hold keys). */
    public static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(body.encode());
    }

    /** 201 with the new resource's JSON and its address in {@code Location}. */
    public static void created(RoutingContext ctx, String location, JsonObject body) {
        ctx.response().putHeader("Location", location);
        json(ctx, 201, body);
    }

    /** 200 with {@code {"<key>": [...]}}, each item as {@code toJson} renders it: a collection listed whole. */
    public static <T> void list(RoutingContext ctx, String key, Iterable<T> items, Function<T, JsonObject> toJson) {
        JsonArray out = new JsonArray();
        items.forEach(item -> out.add(toJson.apply(item)));
        json(ctx, 200, new JsonObject().put(key, out));
    }

    /**
     * Maps an exception thrown by a handler: invalid input to 400, an unknown store to 404, anything
     * else to a logged 500 that says nothing about the internals.
     */
    public static void exception(RoutingContext ctx, Throwable error) {
        switch (error) {
            case InvalidFieldException e -> invalidField(ctx, e.field(), e.getMessage());
            case StoreNotFoundException e -> storeNotFound(ctx, e.storeId());
            case IllegalArgumentException e -> send(ctx, 400, "invalid_request", e.getMessage());
            default -> {
                LOG.error("admin API failed on {} {}", ctx.request().method(), ctx.request().path(), error);
                send(ctx, 500, "internal_error", "the server failed to handle this request; it has been logged");
            }
        }
    }

    /**
     * 4xx listing every violation: {@code {"error", "message", "field", "errors": [{field, message}]}},
     * where message and field repeat the first violation for clients that read only those.
     */
    public static void violations(RoutingContext ctx, int status, String error, List<Violation> violations) {
        JsonArray errors = new JsonArray();
        for (Violation v : violations) {
            errors.add(new JsonObject().put("field", v.field()).put("message", v.message()));
        }
        JsonObject body = new JsonObject().put("error", error)
                .put("message", violations.isEmpty() ? "invalid input" : violations.get(0).toString())
                .put("errors", errors);
        if (!violations.isEmpty()) {
            body.put("field", violations.get(0).field());
        }
        json(ctx, status, body);
    }

    /** A route failure handler: body limit, malformed requests, and exceptions from handlers. */
    public static void failure(RoutingContext ctx) {
        failure(ctx, "64 KB");
    }

    /** As {@link #failure(RoutingContext)}, naming the route's body limit in the 413 message. */
    public static void failure(RoutingContext ctx, String bodyLimit) {
        int status = ctx.failure() instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
        if (status == 413) {
            send(ctx, 413, "payload_too_large", "the request body is larger than " + bodyLimit, "body");
        } else if (status >= 400 && status < 500) {
            send(ctx, status, "bad_request", "the request was rejected (HTTP " + status + ")");
        } else if (ctx.failure() != null && !(ctx.failure() instanceof HttpException)) {
            exception(ctx, ctx.failure());
        } else {
            send(ctx, 500, "internal_error", "the server failed to handle this request; it has been logged");
        }
    }
}
