package io.rebound.server.dashboard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.store.Store;
import io.rebound.server.audience.Audiences;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What the store's data says: the live event debugger (a page plus a server-sent-event stream
 * per store), the funnel with its diagnostics, and the visitor page.
 *
 * @param audiences timelines (and, later, everything a visitor page shows); null without an audience runtime
 * @param catalog   the store catalogs the funnel checks the events' product ids against; null: no catalog check
 */
record InsightPages(StoreAccess access, FunnelStats funnel, LiveEvents live, Audiences audiences, MeterRegistry metrics,
                    Views views, Clock clock, BooleanSupplier ready, SegmentPages.Memberships memberships, Traffic traffic,
                    io.rebound.server.commerce.JdbcCatalog catalog) {
    static final int TIMELINE_LIMIT = 500;
    /** A stream ends after this long; the browser's EventSource reconnects, which re-checks the session. */
    static final long STREAM_MILLIS = 10 * 60_000L;

    void mount(Router router) {
        String base = "/dashboard/stores/:store";
        router.get(base + "/live").blockingHandler(access.withStore(this::livePage), false);
        router.get(base + "/live/stream").handler(this::stream);
        router.get(base + "/funnel").blockingHandler(access.withStore(this::funnelPage), false);
        router.get(base + "/visitors").blockingHandler(access.withStore(this::findVisitor), false);
        router.get(base + "/visitors/:visitor").blockingHandler(access.withStore(this::visitorPage), false);
    }

    private void livePage(RoutingContext ctx, Store store) {
        Map<String, Object> m = access.model(ctx, store, "live", "Live events");
        List<JsonObject> recent = new ArrayList<>(live.recent(store.id()));
        java.util.Collections.reverse(recent);
        m.put("recent", recent.stream().map(JsonObject::getMap).toList());
        views.page(ctx, 200, "live", m);
    }

    private void stream(RoutingContext ctx) {
        long uid = DashboardAuth.userId(ctx);
        String storeId = ctx.pathParam("store");
        ctx.vertx().executeBlocking(() -> access.visible(uid, storeId).isPresent()).onComplete(ar -> {
            if (ar.failed() || !ar.result()) {
                Views.secure(ctx).setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("no such store in your account");
                return;
            }
            LiveEvents.Watch watch = live.watch(storeId);
            if (!watch.opened()) {
                boolean store = watch.refused() == LiveEvents.Refusal.STORE_FULL;
                Views.secure(ctx).setStatusCode(store ? 429 : 503).putHeader("Retry-After", "30")
                        .putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end(store ? "this store already has " + watch.limit() + " live debuggers open, the "
                                + "most it may (setting live-streams-per-store); close one and retry"
                                : "the server already has " + watch.limit() + " live debuggers open, the most it "
                                + "may (setting live-streams); retry later");
                return;
            }
            Runnable unwatch = watch.close();
            HttpServerResponse response = Views.secure(ctx)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    // identity: never buffer the stream in the server's gzip compressor
                    .putHeader("Content-Encoding", "identity")
                    .putHeader("X-Accel-Buffering", "no")
                    .setChunked(true);
            response.write("retry: 2000\n\n");
            MessageConsumer<String> consumer = ctx.vertx().eventBus().consumer(LiveEvents.address(storeId),
                    msg -> {
                        if (!response.ended() && !response.writeQueueFull()) {
                            response.write("event: event\ndata: " + msg.body() + "\n\n");
                        }
                    });
            long ping = ctx.vertx().setPeriodic(15_000, id -> response.write(": ping\n\n"));
            long end = ctx.vertx().setTimer(STREAM_MILLIS, id -> response.end());
            response.closeHandler(v -> {
                unwatch.run();
                consumer.unregister();
                ctx.vertx().cancelTimer(ping);
                ctx.vertx().cancelTimer(end);
            });
            response.endHandler(v -> {
                unwatch.run();
                consumer.unregister();
                ctx.vertx().cancelTimer(ping);
            });
        });
    }

    private void funnelPage(RoutingContext ctx, Store store) {
        int days = switch (String.valueOf(ctx.request().getParam("days"))) {
            case "7" -> 7;
            case "90" -> 90;
            default -> 30;
        };
        FunnelStats.Report report = funnel.report(store.id(), days, clock.instant());
        Map<String, Object> m = access.model(ctx, store, "funnel", "Funnel");
        m.put("report", report);
        m.put("days", days);
        m.put("periods", List.of(7, 30, 90));
        m.put("ready", ready.getAsBoolean());
        Counter dropped = metrics.find("rebound.events.duplicates").counter();
        m.put("exactDuplicatesDropped", dropped == null ? 0 : (long) dropped.count());
        // One definition of "unique visitors in the last 30 days" for every page and the readiness API: the audiences'.
        long visitors = traffic.visitors30d(store.id(), clock.instant());
        m.put("visitors30d", String.format(java.util.Locale.ENGLISH, "%,d", visitors));
        m.put("visitorsRaw", visitors);
        m.put("trafficLevel", traffic.policy().trafficLevel(visitors));
        m.put("readinessPercent", Math.min(100, Math.round(visitors * 100.0 / traffic.policy().monthlyVisitorsOk())));
        if (catalog != null) {
            m.put("coverage", io.rebound.server.commerce.CatalogCoverage.of(catalog, store.id(),
                    funnel.productIds(store.id(), clock.instant(), FunnelStats.CATALOG_DAYS)));
        }
        views.page(ctx, 200, "funnel", m);
    }

    private void findVisitor(RoutingContext ctx, Store store) {
        String id = String.valueOf(ctx.request().getParam("id")).strip();
        if (id.isEmpty() || "null".equals(id)) {
            views.error(ctx, 400, "Which visitor?", "Enter a visitor id (the _rb_aid cookie value or a user id).");
            return;
        }
        Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores/" + store.id()
                + "/visitors/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20")).end();
    }

    private void visitorPage(RoutingContext ctx, Store store) {
        String visitor = ctx.pathParam("visitor");
        Optional<List<Event>> timeline = audiences == null ? Optional.empty()
                : audiences.timeline(store.id(), visitor, TIMELINE_LIMIT);
        List<Event> events = timeline.orElse(List.of());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = events.size() - 1; i >= 0; i--) {
            rows.add(LiveEvents.row(events.get(i), FunnelStats.Diagnosis.NONE).getMap());
        }
        Map<String, Object> m = access.model(ctx, store, "visitors", "Visitor");
        m.put("visitor", visitor);
        m.put("events", rows);
        m.put("truncated", events.size() >= TIMELINE_LIMIT);
        m.put("timelineAvailable", timeline.isPresent());
        m.put("memberships", memberships.of(store.id(), visitor));
        views.page(ctx, 200, "visitor", m);
    }
}
