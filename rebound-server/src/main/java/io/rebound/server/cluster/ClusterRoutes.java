package io.rebound.server.cluster;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.core.engine.AuditStats;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.http.AuditReport;
import io.rebound.server.http.OpsRoutes;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.function.Supplier;

/** A cluster node's operations endpoints: its health, and the metrics and pixel script every server serves. */
final class ClusterRoutes {

    /** What /health reports. */
    record Health(boolean ok, String role, String streamsState, long sinkApplied, AuditStats audits) {
    }

    private final PrometheusMeterRegistry metrics;
    private final Supplier<Health> health;

    ClusterRoutes(PrometheusMeterRegistry metrics, Supplier<Health> health) {
        this.metrics = metrics;
        this.health = health;
    }

    void mount(Router router) {
        router.get("/health").handler(ctx -> {
            Health h = health.get();
            ApiErrors.json(ctx, h.ok() ? 200 : 503, new JsonObject().put("status", h.ok() ? "ok" : "failing")
                    .put("mode", "cluster").put("role", h.role()).put("streams_state", h.streamsState())
                    .put("sink_records_applied", h.sinkApplied())
                    .put("audit", AuditReport.json(h.audits())));
        });
        OpsRoutes.mountMetricsAndPixel(router, metrics);
    }
}
