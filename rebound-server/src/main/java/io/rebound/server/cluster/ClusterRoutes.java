package io.rebound.server.cluster;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.core.engine.AuditStats;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.http.AuditReport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * A cluster node's operations endpoints (health, metrics, the pixel script) and clear answers for
 * what only the embedded server has: a visitor's raw events, privacy erasure and the dashboard.
 */
final class ClusterRoutes {

    /** What /health reports. */
    record Health(boolean ok, String role, String streamsState, long sinkApplied, AuditStats audits) {
    }

    private final PrometheusMeterRegistry metrics;
    private final Supplier<Health> health;
    private final Buffer pixel;

    ClusterRoutes(PrometheusMeterRegistry metrics, Supplier<Health> health) {
        this.metrics = metrics;
        this.health = health;
        try (InputStream in = ClusterRoutes.class.getClassLoader().getResourceAsStream("web/pixel.js")) {
            if (in == null) {
                throw new IllegalStateException("missing resource web/pixel.js");
            }
            this.pixel = Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void mount(Router router) {
        router.get("/health").handler(ctx -> {
            Health h = health.get();
            ApiErrors.json(ctx, h.ok() ? 200 : 503, new JsonObject().put("status", h.ok() ? "ok" : "failing")
                    .put("mode", "cluster").put("role", h.role()).put("streams_state", h.streamsState())
                    .put("sink_records_applied", h.sinkApplied())
                    .put("audit", AuditReport.json(h.audits())));
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/pixel.js").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/javascript; charset=utf-8")
                .putHeader("Cache-Control", "public, max-age=300")
                .putHeader("Access-Control-Allow-Origin", "*")
                .end(pixel));
    }
}
