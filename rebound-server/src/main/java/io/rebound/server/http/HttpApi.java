package io.rebound.server.http;

import io.vertx.ext.web.Router;
import io.rebound.server.api.ApiErrors;

import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the one router: every route of the server is mounted here, so the HTTP surface can be
 * read in one place. Route groups are contributed by their owners as {@code mount(router)}
 * functions; failures are turned into JSON problems with the right 4xx and never a stack trace.
 */
public final class HttpApi {
    private HttpApi() {
    }

    public static Router router(io.vertx.core.Vertx vertx, List<Consumer<Router>> groups) {
        Router router = Router.router(vertx);
        for (Consumer<Router> group : groups) {
            group.accept(router);
        }
        router.route().last().handler(ctx -> ApiErrors.send(ctx, 404, "not_found",
                "no route for " + ctx.request().method() + " " + ctx.request().path()));
        router.route().failureHandler(ctx -> ApiErrors.failure(ctx, "this endpoint accepts "
                + "(32 KB per event, 500 KB per batch on the collector)"));
        return router;
    }
}
