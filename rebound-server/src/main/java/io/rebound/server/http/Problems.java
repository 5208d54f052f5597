package io.rebound.server.http;

import io.rebound.core.event.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Writes JSON responses and problem bodies: {@code {"error": code, "message": text, "field": path}}.
 * A client never sees a stack trace.
 */
public final class Problems {
    private Problems() {
    }

    public static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(body.encode());
    }

    public static void send(RoutingContext ctx, int status, String error, String message, String field) {
        JsonObject body = new JsonObject().put("error", error).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        json(ctx, status, body);
    }

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
}
