package io.rebound.server.dashboard;

import io.rebound.core.activation.Platform;
import io.rebound.core.store.Store;
import io.rebound.destinations.SyncReport;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.SegmentRecord;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Destinations in the dashboard, over {@link Activation} (never the HTTP API):
 * <pre>
 * GET  /dashboard/stores/:store/destinations                        status of each, a connect form per platform
 * POST /dashboard/stores/:store/destinations                        connect → 303 to its page (400 with inline errors)
 * GET  /dashboard/stores/:store/destinations/:id                    status, synced segments, edit, test, requests, dead letters
 * POST /dashboard/stores/:store/destinations/:id                    edit name, mode, base URL, settings; replace a secret
 * POST /dashboard/stores/:store/destinations/:id/delete             remove → 303 to the list
 * POST /dashboard/stores/:store/destinations/:id/test               the platform's validation path (htmx: the outcome alone)
 * GET  /dashboard/stores/:store/destinations/:id/requests           the recorded requests (htmx refreshes them)
 * POST /dashboard/stores/:store/segments/:segment/destinations/:id  sync=on|off: pair or unpair (htmx: the section alone)
 * </pre>
 * Every route resolves the store through {@link StoreAccess} (404 for another tenant) and the
 * destination and segment within that store only.
 */
final class DestinationPages {
    static final String FLASH = "flash.destinations";

    private final StoreAccess access;
    private final Views views;
    private final DestinationModels models;
    private final Activation activation;
    private final Clock clock;

    DestinationPages(StoreAccess access, Views views, DestinationModels models, Clock clock) {
        this.access = access;
        this.views = views;
        this.models = models;
        this.activation = models.activation();
        this.clock = clock;
    }

    void mount(Router router) {
        String base = "/dashboard/stores/:store/destinations";
        router.get(base).blockingHandler(access.withStore(this::list), false);
        router.post(base).blockingHandler(access.withStore(this::connect), false);
        router.get(base + "/:id").blockingHandler(access.withItem(this::destination, this::page), false);
        router.post(base + "/:id").blockingHandler(access.withItem(this::destination, this::edit), false);
        router.post(base + "/:id/delete").blockingHandler(access.withItem(this::destination, this::delete), false);
        router.post(base + "/:id/test").blockingHandler(access.withItem(this::destination, this::test), false);
        router.post(base + "/:id/dead-letters/:letter/retry")
                .blockingHandler(access.withItem(this::destination, this::retry), false);
        router.get(base + "/:id/requests").blockingHandler(access.withItem(this::destination, this::requests), false);
        router.post("/dashboard/stores/:store/segments/:segment/destinations/:id")
                .blockingHandler(access.withStore(this::sync), false);
    }

    private static String path(Store store) {
        return "/dashboard/stores/" + store.id() + "/destinations";
    }

    private static boolean htmx(RoutingContext ctx) {
        return "true".equals(ctx.request().getHeader("HX-Request"));
    }

    // ---- list and connect --------------------------------------------------------------------

    private void list(RoutingContext ctx, Store store) {
        renderList(ctx, 200, store, null, Map.of(), Map.of());
    }

    private void renderList(RoutingContext ctx, int status, Store store, Platform failed, Map<String, String> errors,
                            Map<String, String> values) {
        Map<String, Object> m = access.model(ctx, store, "destinations", "Destinations");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JdbcDestinations.Record r : activation.list(store.id())) {
            rows.add(models.row(r));
        }
        m.put("rows", rows);
        List<Map<String, Object>> forms = new ArrayList<>();
        for (Platform p : Platform.values()) {
            Map<String, Object> f = new HashMap<>();
            f.put("platform", p.id());
            f.put("title", DestinationForms.TITLES.get(p));
            f.put("inputs", DestinationForms.inputs(p));
            f.put("hints", Map.of());
            boolean mine = p == failed;
            f.put("open", mine);
            f.put("errors", mine ? errors : Map.of());
            Map<String, String> v = new HashMap<>(mine ? values : Map.of());
            v.putIfAbsent("name", DestinationForms.TITLES.get(p));
            f.put("values", v);
            f.put("otherErrors", mine ? otherErrors(errors, p) : List.of());
            forms.add(f);
        }
        m.put("forms", forms);
        m.put("max", Activation.MAX_PER_STORE);
        m.put("flash", ctx.session() == null ? null : ctx.session().remove(FLASH));
        views.page(ctx, status, "destinations", m);
    }

    /** Errors about no input the form shows (e.g. {@code config} as a whole), shown above the button. */
    private static List<String> otherErrors(Map<String, String> errors, Platform p) {
        List<String> out = new ArrayList<>();
        errors.forEach((field, message) -> {
            boolean shown = field.equals("name") || field.equals("mode") || field.equals("api_base_url")
                    || DestinationForms.FIELDS.get(p).stream().anyMatch(f -> f.input().equals(field));
            if (!shown) {
                out.add(message);
            }
        });
        return out;
    }

    private void connect(RoutingContext ctx, Store store) {
        var form = ctx.request().formAttributes();
        Platform platform = DestinationForms.platform(form.get("platform"));
        if (platform == null) {
            views.error(ctx, 400, "Unknown platform", "Choose Meta, Google, TikTok or Pinterest.");
            return;
        }
        DestinationForms.Outcome o = DestinationForms.connect(platform, form);
        if (!o.ok()) {
            renderList(ctx, 400, store, platform, o.errors(), o.values());
            return;
        }
        JdbcDestinations.Record r;
        try {
            r = activation.connect(store.id(), o.name(), o.mode(), o.apiBaseUrl(), o.settings());
        } catch (Activation.LimitReached e) {
            renderList(ctx, 409, store, platform, Map.of("config", "This store has " + Activation.MAX_PER_STORE
                    + " destinations, the most allowed: remove one first."), o.values());
            return;
        }
        ctx.session().put(FLASH, "Connected “" + r.name() + "”" + (r.mode() == io.rebound.destinations.Mode.LIVE
                ? " (live)." : " in dry-run: requests are built and recorded here, nothing is sent."));
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store) + "/" + r.id()).end();
    }

    // ---- one destination -----------------------------------------------------------------------

    /** The path's destination within a visible store; otherwise the response is ended with 404. */
    private Optional<JdbcDestinations.Record> destination(RoutingContext ctx, Store store) {
        Optional<JdbcDestinations.Record> r = activation.get(store.id(), ctx.pathParam("id"));
        if (r.isEmpty()) {
            views.error(ctx, 404, "Destination not found", "There is no such destination in this store.");
        }
        return r;
    }

    private void page(RoutingContext ctx, Store store, JdbcDestinations.Record d) {
        renderPage(ctx, 200, store, d, null, Map.of(), null);
    }

    /**
     * @param values the edit form's values after a refused edit, or null for the stored ones
     * @param test   the test send's outcome or refusal to show, or null
     */
    private void renderPage(RoutingContext ctx, int status, Store store, JdbcDestinations.Record d,
                            Map<String, String> values, Map<String, String> errors, Map<String, Object> test) {
        Map<String, Object> m = access.model(ctx, store, "destinations", d.name());
        m.putAll(pageModel(store, d));
        m.put("values", values == null ? DestinationForms.values(d) : values);
        m.put("errors", errors);
        m.put("otherErrors", otherErrors(errors, d.platform()));
        m.put("test", test);
        m.put("flash", ctx.session() == null ? null : ctx.session().remove(FLASH));
        views.page(ctx, status, "destination", m);
    }

    private Map<String, Object> pageModel(Store store, JdbcDestinations.Record d) {
        Map<String, Object> m = new HashMap<>();
        m.put("d", models.row(d));
        m.put("inputs", DestinationForms.inputs(d.platform()));
        m.put("testCode", d.platform() == Platform.META || d.platform() == Platform.TIKTOK);
        m.put("requests", models.requests(d.id()));
        m.put("deadLetters", models.deadLetters(d.id()));
        m.put("dbase", path(store) + "/" + d.id());
        return m;
    }

    private void edit(RoutingContext ctx, Store store, JdbcDestinations.Record old) {
        DestinationForms.Outcome o = DestinationForms.edit(old, ctx.request().formAttributes());
        if (!o.ok()) {
            renderPage(ctx, 400, store, old, o.values(), o.errors(), null);
            return;
        }
        JdbcDestinations.Record changed = new JdbcDestinations.Record(old.id(), old.storeId(), o.name(), o.mode(),
                o.apiBaseUrl(), o.settings(), old.createdAt(), clock.instant());
        if (!activation.update(changed)) {
            views.error(ctx, 404, "Destination not found", "There is no such destination in this store.");
            return;
        }
        ctx.session().put(FLASH, "Saved “" + changed.name() + "”; its worker restarted with the new settings.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store) + "/" + old.id()).end();
    }

    private void delete(RoutingContext ctx, Store store, JdbcDestinations.Record d) {
        activation.disconnect(store.id(), d.id());
        ctx.session().put(FLASH, "Removed “" + d.name() + "”. Its audiences on " + DestinationForms.TITLES.get(
                d.platform()) + " are left as they are.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store)).end();
    }

    private void retry(RoutingContext ctx, Store store, JdbcDestinations.Record d) {
        long letter;
        try {
            letter = Long.parseLong(ctx.pathParam("letter"));
        } catch (NumberFormatException e) {
            views.error(ctx, 404, "Dead letter not found", "There is no such dead letter for this destination.");
            return;
        }
        if (activation.deadLetter(d, letter).isEmpty()) {
            views.error(ctx, 404, "Dead letter not found", "There is no such dead letter for this destination.");
            return;
        }
        String message;
        try {
            Activation.Retried r = activation.retryDeadLetter(d, letter);
            message = r.cleared() ? "Sent " + r.sent() + " again" + (r.skipped() > 0 ? " (" + r.skipped()
                    + " no longer members or without an identifier, left out)" : "") + "; the dead letter is cleared."
                    : "Sent " + r.sent() + " again, and the platform did not take them all: "
                    + DestinationModels.outcome(r.report()).get("text") + " The dead letter stays.";
        } catch (Activation.NotRetryable e) {
            message = "Not retried: " + e.getMessage() + ".";
        }
        ctx.session().put(FLASH, message);
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store) + "/" + d.id() + "#dead-letters")
                .end();
    }

    private void test(RoutingContext ctx, Store store, JdbcDestinations.Record d) {
        String code = ctx.request().getFormAttribute("test_event_code");
        code = code == null || code.isBlank() ? null : code.strip();
        Map<String, Object> test = new HashMap<>();
        int status = 200;
        if (code != null && (code.length() > 100 || code.chars().anyMatch(Character::isISOControl))) {
            test.put("error", "Test event code must be 1 to 100 printable characters.");
            status = 400;
        } else {
            try {
                SyncReport report = activation.test(d, code).report();
                test.putAll(DestinationModels.outcome(report));
            } catch (DestinationSettings.InvalidSetting e) { // or Activation.NotTestable
                test.put("error", DestinationForms.human(d.platform(), e.getMessage()));
                test.put("field", e.field());
                status = 400;
            }
        }
        test.put("code", code);
        if (htmx(ctx)) {
            // The requests list below shows the test request: ask it to refresh.
            ctx.response().putHeader("HX-Trigger", "requests-changed");
            Map<String, Object> m = new HashMap<>(pageModel(store, d));
            m.put("test", test);
            views.page(ctx, status, "destination-test", m);
            return;
        }
        renderPage(ctx, status, store, d, null, Map.of(), test);
    }

    private void requests(RoutingContext ctx, Store store, JdbcDestinations.Record d) {
        views.page(ctx, 200, "destination-requests", pageModel(store, d));
    }

    // ---- the segment page's toggle -----------------------------------------------------------

    private void sync(RoutingContext ctx, Store store) {
        Optional<SegmentRecord> segment = models.audiences() == null ? Optional.empty()
                : models.audiences().segment(store.id(), ctx.pathParam("segment"));
        if (segment.isEmpty()) {
            views.error(ctx, 404, "Segment not found", "There is no such segment in this store.");
            return;
        }
        Optional<JdbcDestinations.Record> d = destination(ctx, store);
        if (d.isEmpty()) {
            return;
        }
        String message;
        int status = 200;
        boolean on = "on".equals(ctx.request().getFormAttribute("sync"));
        String title = DestinationForms.TITLES.get(d.get().platform());
        if (on) {
            String audienceId = ctx.request().getFormAttribute("audience_id");
            audienceId = audienceId == null || audienceId.isBlank() ? null : audienceId.strip();
            if (audienceId != null && !audienceId.matches("[A-Za-z0-9_:.-]{1,100}")) {
                message = "The audience id must be the platform audience's id (1 to 100 of A–Z, a–z, 0–9, _ : . -).";
                status = 400;
            } else {
                message = pair(d.get(), segment.get(), audienceId, title);
                status = message.startsWith("Syncing") ? 200 : 422;
            }
        } else {
            activation.unpair(store.id(), d.get().id(), segment.get().id());
            message = "Stopped syncing to “" + d.get().name() + "”. The audience on " + title + " is left as it is.";
        }
        if (htmx(ctx)) {
            Map<String, Object> m = new HashMap<>();
            m.put("destinations", models.section(segment.get()));
            m.put("base", "/dashboard/stores/" + store.id());
            m.put("syncMessage", message);
            m.put("syncFailed", status != 200);
            views.page(ctx, status, "segment-destinations", m);
            return;
        }
        ctx.session().put(SegmentPages.FLASH_DESTINATIONS, (status != 200 ? "!" : "") + message);
        Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores/" + store.id()
                + "/segments/" + segment.get().id() + "#destinations").end();
    }

    private String pair(JdbcDestinations.Record d, SegmentRecord segment, String audienceId, String title) {
        Activation.PairResult result;
        try {
            result = activation.pair(d, segment, audienceId);
        } catch (IllegalArgumentException e) {
            return "The audience id was not taken: " + e.getMessage();
        }
        return switch (result) {
            case Activation.PairResult.Paired p -> "Syncing to “" + d.name() + "”"
                    + (p.created() ? ": " + title + " audience " + p.pairing().audience().id() + " created."
                    : p.existed() ? " already." : ": linked to " + title + " audience " + p.pairing().audience().id() + ".");
            case Activation.PairResult.Refused r -> title + " did not create the audience: " + refusal(r.outcome()) + " You can create it on " + title + " and link its id.";
        };
    }

    private static String refusal(io.rebound.destinations.Outcome o) {
        return switch (o) {
            case io.rebound.destinations.Outcome.GiveUp g -> (g.code().isEmpty() ? "" : g.code() + ": ") + g.message() + ".";
            case io.rebound.destinations.Outcome.Retry r -> "it asked to retry later (" + r.reason() + ").";
            default -> "no audience came back.";
        };
    }
}
