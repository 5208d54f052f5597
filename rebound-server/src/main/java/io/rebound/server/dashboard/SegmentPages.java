package io.rebound.server.dashboard;

import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.store.Store;
import io.rebound.server.audience.SegmentLimit;
import io.rebound.server.audience.SegmentRecord;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Audiences in the dashboard, over the embedded audience runtime's Java API (never its HTTP API):
 * <pre>
 * GET  /dashboard/stores/:store/segments                   list, templates, traffic level
 * GET  /dashboard/stores/:store/segments/rows              the list's rows (htmx polls while one is building)
 * GET  /dashboard/stores/:store/segments/new               the segment JSON form (?template= prefills it)
 * POST /dashboard/stores/:store/segments                   create from a template or from JSON → 303 to its page
 * GET  /dashboard/stores/:store/segments/:segment          size, status, readiness, charts, member sample
 * GET  /dashboard/stores/:store/segments/:segment/status   the header fragment (htmx polls while building)
 * GET  /dashboard/stores/:store/segments/:segment/chart    charts and sample fragment (refreshed when ready)
 * POST /dashboard/stores/:store/segments/:segment/delete   delete → 303 to the list
 * </pre>
 * Every route resolves the store through {@link StoreAccess} (404 for another tenant) and the
 * segment within that store only.
 *
 * @param destinations the store's destinations for each segment page, or null without activation
 */
record SegmentPages(StoreAccess access, Views views, SegmentModels models, Clock clock, int maxSegments,
                    DestinationModels destinations) {
    static final String FLASH = "flash.segments";
    /** The destinations toggle's message for the segment page ({@code !} first when it failed). */
    static final String FLASH_DESTINATIONS = "flash.segment-destinations";

    /** A visitor's memberships for the visitor page. */
    @FunctionalInterface
    interface Memberships {
        Memberships NONE = (store, visitor) -> List.of();

        List<Map<String, Object>> of(String storeId, String visitorId);
    }

    /**
     * Mounts the segment pages, or a page saying the audience engine is not running when {@code models} is null.
     * With {@code destinations} (null without activation) each segment page lists the store's destinations.
     */
    static void mountIfAvailable(Router router, StoreAccess access, Views views, SegmentModels models, Clock clock,
                                 int maxSegments, DestinationModels destinations) {
        if (models == null) {
            router.get("/dashboard/stores/:store/segments").blockingHandler(
                    access.withStore((ctx, store) -> placeholder(ctx, store, access, views)), false);
            return;
        }
        new SegmentPages(access, views, models, clock, maxSegments, destinations).mount(router);
    }

    private static void placeholder(RoutingContext ctx, Store store, StoreAccess access, Views views) {
        Map<String, Object> m = access.model(ctx, store, "segments", "Segments");
        views.page(ctx, 200, "segments-unavailable", m);
    }

    void mount(Router router) {
        String base = "/dashboard/stores/:store/segments";
        router.get(base).blockingHandler(access.withStore(this::list), false);
        router.get(base + "/rows").blockingHandler(access.withStore(this::rows), false);
        router.get(base + "/new").blockingHandler(access.withStore(this::newForm), false);
        router.post(base).blockingHandler(access.withStore(this::create), false);
        router.get(base + "/:segment").blockingHandler(access.withItem(this::segment, this::page), false);
        router.get(base + "/:segment/status").blockingHandler(access.withItem(this::segment, this::status), false);
        router.get(base + "/:segment/chart").blockingHandler(access.withItem(this::segment, this::chart), false);
        router.post(base + "/:segment/delete").blockingHandler(access.withItem(this::segment, this::delete), false);
    }

    // ---- list and create ---------------------------------------------------------------------

    private void list(RoutingContext ctx, Store store) {
        renderList(ctx, 200, store, null, Map.of(), Map.of());
    }

    private void renderList(RoutingContext ctx, int status, Store store, String failedTemplate,
                            Map<String, String> errors, Map<String, String> values) {
        Map<String, Object> m = access.model(ctx, store, "segments", "Segments");
        m.putAll(rowsModel(store));
        long visitors = models.traffic().visitors30d(store.id(), clock.instant());
        m.put("visitors30d", String.format(Locale.ENGLISH, "%,d", visitors));
        m.put("trafficLevel", models.trafficLevel(visitors));
        m.put("templates", templateCards(failedTemplate, errors, values));
        m.put("flash", ctx.session() == null ? null : ctx.session().remove(FLASH));
        views.page(ctx, status, "segments", m);
    }

    private Map<String, Object> rowsModel(Store store) {
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean building = false;
        for (SegmentRecord s : models.runtime().segments(store.id())) {
            Map<String, Object> r = models.row(s);
            building |= (Boolean) r.get("building");
            rows.add(r);
        }
        return Map.of("rows", rows, "anyBuilding", building, "base", "/dashboard/stores/" + store.id());
    }

    private void rows(RoutingContext ctx, Store store) {
        views.page(ctx, 200, "segment-rows", rowsModel(store));
    }

    private static List<Map<String, Object>> templateCards(String failed, Map<String, String> errors,
                                                           Map<String, String> values) {
        List<Map<String, Object>> cards = new ArrayList<>();
        for (SegmentForms.TemplateInfo t : SegmentForms.TEMPLATES) {
            Map<String, Object> c = new HashMap<>();
            c.put("info", Map.of("id", t.id(), "title", t.title(), "description", t.description(),
                    "hasDays", t.hasDays(), "defaultDays", t.defaultDays()));
            boolean mine = t.id().equals(failed);
            c.put("errors", mine ? errors : Map.of());
            c.put("values", mine ? values : Map.of());
            cards.add(c);
        }
        return cards;
    }

    private void newForm(RoutingContext ctx, Store store) {
        String template = ctx.request().getParam("template");
        SegmentDefinition example = SegmentTemplates.IDS.contains(String.valueOf(template))
                ? SegmentTemplates.instantiate(template, null, SegmentTemplates.Scope.STORE)
                : SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);
        renderNew(ctx, 200, store, SegmentForms.pretty(example), Map.of());
    }

    private void renderNew(RoutingContext ctx, int status, Store store, String json, Map<String, String> errors) {
        Map<String, Object> m = access.model(ctx, store, "segments", "New segment");
        m.put("json", json);
        m.put("errors", SegmentForms.list(errors));
        m.put("templateIds", SegmentTemplates.IDS);
        views.page(ctx, status, "segment-new", m);
    }

    private void create(RoutingContext ctx, Store store) {
        int count = models.runtime().segments(store.id()).size();
        if (count >= maxSegments) {
            views.error(ctx, 409, "Too many segments", SegmentLimit.message(store.id(), count, maxSegments));
            return;
        }
        var form = ctx.request().formAttributes();
        SegmentForms.Outcome outcome;
        if (form.contains("definition")) {
            outcome = SegmentForms.json(form.get("definition"));
            if (!outcome.ok()) {
                renderNew(ctx, 400, store, form.get("definition"), outcome.errors());
                return;
            }
        } else {
            outcome = SegmentForms.template(form.get("template"), form.get("days"), form.get("product_id"),
                    form.get("category"));
            if (!outcome.ok()) {
                Map<String, String> values = new HashMap<>();
                for (String f : List.of("days", "product_id", "category")) {
                    values.put(f, form.get(f) == null ? "" : form.get(f));
                }
                renderList(ctx, 400, store, outcome.template(), outcome.errors(), values);
                return;
            }
        }
        SegmentRecord s = models.runtime().createSegment(store.id(), outcome.definition(), outcome.template());
        Views.secure(ctx).setStatusCode(303)
                .putHeader("Location", "/dashboard/stores/" + store.id() + "/segments/" + s.id()).end();
    }

    // ---- one segment ---------------------------------------------------------------------------

    /** The path's segment within a visible store; otherwise the response is ended with 404. */
    private Optional<SegmentRecord> segment(RoutingContext ctx, Store store) {
        Optional<SegmentRecord> s = models.runtime().segment(store.id(), ctx.pathParam("segment"));
        if (s.isEmpty()) {
            views.error(ctx, 404, "Segment not found", "There is no such segment in this store.");
        }
        return s;
    }

    private void page(RoutingContext ctx, Store store, SegmentRecord s) {
        Map<String, Object> m = access.model(ctx, store, "segments", s.definition().name());
        m.put("segment", models.row(s));
        m.put("definitionJson", SegmentForms.pretty(s.definition()));
        m.putAll(live(s));
        if (destinations != null) {
            m.put("destinations", destinations.section(s));
            String flash = ctx.session() == null ? null : ctx.session().remove(FLASH_DESTINATIONS);
            if (flash != null) {
                m.put("syncFailed", flash.startsWith("!"));
                m.put("syncMessage", flash.startsWith("!") ? flash.substring(1) : flash);
            }
        }
        views.page(ctx, 200, "segment", m);
    }

    private Map<String, Object> live(SegmentRecord s) {
        Instant now = clock.instant();
        Map<String, Object> m = new HashMap<>();
        m.put("sizeChart", models.sizeChart(s, now));
        m.put("recency", models.recency(s, now));
        m.put("sample", models.sample(s));
        m.put("segmentId", s.id());
        return m;
    }

    private void status(RoutingContext ctx, Store store, SegmentRecord s) {
        Map<String, Object> row = models.row(s);
        if ("building".equals(ctx.request().getParam("was")) && !(Boolean) row.get("building")) {
            // The charts and sample were drawn while building: ask the page to refresh them.
            ctx.response().putHeader("HX-Trigger", "segment-ready");
        }
        views.page(ctx, 200, "segment-status", Map.of("segment", row, "base", "/dashboard/stores/" + store.id()));
    }

    private void chart(RoutingContext ctx, Store store, SegmentRecord s) {
        Map<String, Object> m = live(s);
        m.put("base", "/dashboard/stores/" + store.id());
        views.page(ctx, 200, "segment-live", m);
    }

    private void delete(RoutingContext ctx, Store store, SegmentRecord s) {
        models.runtime().deleteSegment(store.id(), s.id());
        ctx.session().put(FLASH, "Deleted “" + s.definition().name() + "”.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores/" + store.id() + "/segments")
                .end();
    }
}
