package io.rebound.server.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the one router: every route of the server is mounted here, so the HTTP surface can be
 * read in one place. Route groups are contributed by their owners as {@code mount(router)}
 * functions; failures are turned into JSON problems with the right 4xx and never a stack trace.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private HttpApi() {
    }

    public static Router router(io.vertx.core.Vertx vertx, List<Consumer<Router>> groups) {
        Router router = Router.router(vertx);
        for (Consumer<Router> group : groups) {
            group.accept(router);
        }
        router.route().last().handler(ctx -> Problems.send(ctx, 404, "not_found",
                "no route for " + ctx.request().method() + " " + ctx.request().path(), null));
        router.route().failureHandler(HttpApi::failure);
        return router;
    }

    private static void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        Throwable err = ctx.failure();
        if (status == 413) {
            Problems.send(ctx, 413, "payload_too_large", "the request body is larger than this endpoint accepts "
                    + "(32 KB per event, 500 KB per batch)", "body");
        } else if (status >= 400 && status < 500) {
            Problems.send(ctx, status, "bad_request", err == null ? "bad request" : err.getMessage(), null);
        } else if (err instanceof IllegalArgumentException iae) {
            Problems.send(ctx, 400, "bad_request", iae.getMessage(), null);
        } else {
            LOG.error("unhandled error on {} {}", ctx.request().method(), ctx.request().path(), err);
            Problems.send(ctx, 500, "internal_error", "the server failed; this is a bug, it has been logged", null);
        }
    }
}
