package io.rebound.server.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.rebound.server.api.ApiErrors;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Builds the one router: every route of the server is mounted here, so the HTTP surface can be
 * read in one place. Route groups are contributed by their owners as {@code mount(router)}
 * functions; failures are turned into JSON problems with the right 4xx and never a stack trace.
 */
public final class HttpApi {
    /**
     * The largest form field: the dashboard's CSV upload posts a whole file as one field, bounded by the
     * dashboard's 256 KB body limit anyway (Vert.x's default is 8 KB).
     */
    public static final int MAX_FORM_ATTRIBUTE_BYTES = 256 * 1024;

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

    /** A free TCP port, for {@code port=0}. */
    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no free port: " + e.getMessage(), e);
        }
    }

    /**
     * One HTTP server instance on one event loop, serving {@link #router}; deploy one per event
     * loop and Vert.x balances connections across them. The bound port is written to {@code port}.
     */
    public static final class Verticle extends VerticleBase {
        private final List<Consumer<Router>> groups;
        private final String host;
        private final AtomicInteger port;

        public Verticle(List<Consumer<Router>> groups, String host, AtomicInteger port) {
            this.groups = groups;
            this.host = host;
            this.port = port;
        }

        @Override
        public Future<?> start() {
            Router router = HttpApi.router(vertx, groups);
            HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                    .setCompressionSupported(false).setDecompressionSupported(true).setTcpNoDelay(true)
                    .setMaxFormAttributeSize(MAX_FORM_ATTRIBUTE_BYTES));
            return server.requestHandler(router).listen(port.get(), host).onSuccess(s -> port.set(s.actualPort()));
        }
    }
}
