package io.rebound.server.http;

import io.rebound.server.api.ApiErrors;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.server.log.SegmentedLog;
import io.rebound.server.runtime.EventIndexer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Operations endpoints: health, Prometheus metrics, the pixel script, and the benchmark's no-op baseline. */
public final class OpsRoutes {
    private final PrometheusMeterRegistry metrics;
    private final SegmentedLog log;
    private final EventIndexer indexer;
    private final boolean noop;
    private final Buffer pixel;

    public OpsRoutes(PrometheusMeterRegistry metrics, SegmentedLog log, EventIndexer indexer, boolean noop) {
        this.metrics = metrics;
        this.log = log;
        this.indexer = indexer;
        this.noop = noop;
        this.pixel = Buffer.buffer(resource("web/pixel.js"));
    }

    static byte[] resource(String name) {
        try (InputStream in = OpsRoutes.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void mount(Router router) {
        router.get("/health").handler(ctx -> {
            long lag = Math.max(0, log.end() - indexer.position());
            ApiErrors.json(ctx, 200, new JsonObject().put("status", "ok")
                    .put("log_end", log.end()).put("indexed_position", indexer.position()).put("indexer_lag_bytes", lag));
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/pixel.js").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/javascript; charset=utf-8")
                .putHeader("Cache-Control", "public, max-age=300")
                .putHeader("Access-Control-Allow-Origin", "*")
                .end(pixel));
        if (noop) {
            // The benchmark's baseline: same server, same body handling, no parsing and no append.
            router.post("/v1/noop").handler(ctx -> ctx.request().body()
                    .onSuccess(b -> ctx.response().putHeader("Content-Type", "application/json")
                            .end("{\"success\":true}")));
        }
    }
}
