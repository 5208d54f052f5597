package io.rebound.server.http;

import io.rebound.core.engine.AuditStats;
import io.rebound.server.api.ApiErrors;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.server.log.RollingLog;
import io.rebound.server.runtime.DeadLetters;
import io.rebound.server.runtime.EventIndexer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/** Operations endpoints: health, Prometheus metrics, the pixel script, and the benchmark's no-op baseline. */
public final class OpsRoutes {
    private final PrometheusMeterRegistry metrics;
    private final RollingLog log;
    private final EventIndexer indexer;
    private final LongSupplier audiencePosition;
    private final AuditStats audits;
    private final DeadLetters deadLetters;
    private final boolean noop;
    private static final Buffer PIXEL = Buffer.buffer(pixelScript());

    public OpsRoutes(PrometheusMeterRegistry metrics, RollingLog log, EventIndexer indexer,
                     LongSupplier audiencePosition, AuditStats audits, DeadLetters deadLetters, boolean noop) {
        this.metrics = metrics;
        this.log = log;
        this.indexer = indexer;
        this.audiencePosition = audiencePosition;
        this.audits = audits;
        this.deadLetters = deadLetters;
        metrics.gauge("rebound.dead.letters", deadLetters, DeadLetters::count);
        AuditReport.register(metrics, audits);
        metrics.gauge("rebound.audience.lag.bytes", this, o -> Math.max(0, log.end() - audiencePosition.getAsLong()));
        this.noop = noop;
    }

    /**
     * {@code pixel.js} as served: the source without its whole-line {@code //} comments, which say why
     * for its readers and cost every shop's visitors bytes (the {@code /*!} header stays).
     */
    public static byte[] pixelScript() {
        String source = new String(ClasspathResources.read("web/pixel.js"), StandardCharsets.UTF_8);
        StringBuilder served = new StringBuilder(source.length());
        for (String line : source.split("\n", -1)) {
            if (!line.stripLeading().startsWith("//")) {
                served.append(line).append('\n');
            }
        }
        served.setLength(Math.max(0, served.length() - 1));
        return served.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** How many log records the consumers set aside, and the last one (see {@link DeadLetters}). */
    static JsonObject deadLetters(DeadLetters letters) {
        JsonObject out = new JsonObject().put("count", letters.count());
        letters.last().ifPresent(l -> out.put("last", new JsonObject().put("consumer", l.consumer())
                .put("position", l.position()).put("at", l.at().toString()).put("attempts", l.attempts())
                .put("error", l.error())));
        return out;
    }

    /** {@code /metrics} (Prometheus) and {@code /pixel.js}: served alike by the embedded server and every cluster node. */
    public static void mountMetricsAndPixel(Router router, PrometheusMeterRegistry metrics) {
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/pixel.js").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/javascript; charset=utf-8")
                .putHeader("Cache-Control", "public, max-age=300")
                .putHeader("Access-Control-Allow-Origin", "*")
                .end(PIXEL));
    }

    public void mount(Router router) {
        router.get("/health").handler(ctx -> {
            // Consumers read the log at their own pace: under a burst these lags grow, then shrink to 0.
            long end = log.end();
            long indexed = indexer.position();
            long audience = audiencePosition.getAsLong();
            // A failed write (disk full) makes the collector answer 503 until a write succeeds again.
            String writeFailure = log.writeFailure();
            ApiErrors.json(ctx, 200, new JsonObject().put("status", writeFailure == null ? "ok" : "degraded")
                    .put("log_end", end).put("log_writable", writeFailure == null)
                    .put("log_write_failure", writeFailure).put("indexed_position", indexed)
                    .put("indexer_lag_bytes", Math.max(0, end - indexed))
                    .put("audience_position", audience).put("audience_lag_bytes", Math.max(0, end - audience))
                    .put("audit", AuditReport.json(audits)).put("dead_letters", deadLetters(deadLetters)));
        });
        mountMetricsAndPixel(router, metrics);
        if (noop) {
            // The benchmark's baseline: same server, same body handling, no parsing and no append.
            router.post("/v1/noop").handler(ctx -> ctx.request().body()
                    .onSuccess(b -> ctx.response().putHeader("Content-Type", "application/json")
                            .end("{\"success\":true}")));
        }
    }
}
