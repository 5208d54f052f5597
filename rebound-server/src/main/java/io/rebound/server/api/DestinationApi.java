package io.rebound.server.api;

import io.rebound.core.activation.Platform;
import io.rebound.core.store.Store;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.SendRate;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDeliveryRepository;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.rebound.server.api.QueryParams.intParam;

/**
 * The destinations API (store secret key):
 * <pre>
 * POST   /api/v1/stores/:store/destinations                     {"platform", "name", "mode"?, "api_base_url"?, "config"} → 201
 * GET    /api/v1/stores/:store/destinations                     {"destinations": [...]}
 * GET    /api/v1/stores/:store/destinations/:id                 with status: worker counters, pairings, pending changes
 * PATCH  /api/v1/stores/:store/destinations/:id                 name, mode, api_base_url, config (fields given replace; null removes)
 * DELETE /api/v1/stores/:store/destinations/:id                 204
 * GET    /api/v1/stores/:store/destinations/:id/requests        ?limit= (newest first, credentials redacted)
 * GET    /api/v1/stores/:store/destinations/:id/dead-letters    ?limit=
 * POST   /api/v1/stores/:store/destinations/:id/test            {"test_event_code"?}: the platform's validation path
 * POST   /api/v1/stores/:store/destinations/:id/dead-letters/:letter/retry   sends a list letter's persons again
 * GET    /api/v1/stores/:store/segments/:segment/destinations
 * PUT    /api/v1/stores/:store/segments/:segment/destinations/:id   {"audience_id"?} → 201 (200 when already synced)
 * DELETE /api/v1/stores/:store/segments/:segment/destinations/:id   204
 * </pre>
 * Credentials are never returned: {@code secrets} shows the last four characters of each. Bad input is
 * a 400 naming the field; another store's destination or segment is a 404 like a missing one.
 *
 * @param activation the destinations, their workers and pairings
 * @param audiences  the segments a destination syncs
 * @param auth       the store secret-key check
 */
public record DestinationApi(Activation activation, Audiences audiences, ApiAuth auth) {
    /** A service account key is a few KB; the rest is small. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Set<String> CREATE_FIELDS = Set.of("platform", "name", "mode", "api_base_url", "config");
    private static final Set<String> PATCH_FIELDS = Set.of("name", "mode", "api_base_url", "config");
    private static final int MAX_NAME = 200;

    public void mount(Router router) {
        ApiRoutes.Mount api = new ApiRoutes.Mount(MAX_BODY_BYTES, DestinationApi::refusal);
        String all = "/api/v1/stores/:store/destinations";
        String one = all + "/:id";
        api.withBody(router.post(all), auth.withStore(this::create));
        api.worker(router.get(all), auth.withStore(this::list));
        api.worker(router.get(one), this::get);
        api.withBody(router.patch(one), ApiRoutes.found(this::destination, this::patch));
        api.worker(router.delete(one), ApiRoutes.found(this::destination, this::delete));
        api.worker(router.get(one + "/requests"), ApiRoutes.found(this::destination, this::requests));
        api.worker(router.get(one + "/dead-letters"), ApiRoutes.found(this::destination, this::deadLetters));
        api.withBody(router.post(one + "/test"), ApiRoutes.found(this::destination, this::test));
        api.worker(router.post(one + "/dead-letters/:letter/retry"), ApiRoutes.found(this::destination, this::retry));
        String synced = "/api/v1/stores/:store/segments/:segment/destinations";
        api.worker(router.get(synced), ApiRoutes.found(this::segment, this::segmentDestinations));
        api.withBody(router.put(synced + "/:id"), ApiRoutes.found(this::segment, this::pair));
        api.worker(router.delete(synced + "/:id"), ApiRoutes.found(this::segment, this::unpair));
    }

    /** The API's own refusals ({@link ApiRoutes.Refusals}). */
    private static boolean refusal(RoutingContext ctx, RuntimeException e) {
        return switch (e) {
            case Activation.NotTestable not -> {
                ApiErrors.send(ctx, 400, "not_testable", not.getMessage(), not.field());
                yield true;
            }
            case DestinationSettings.InvalidSetting invalid -> {
                ApiErrors.send(ctx, 400, "invalid_field", invalid.getMessage(), invalid.field());
                yield true;
            }
            case Activation.NotRetryable not -> {
                ApiErrors.send(ctx, 409, "not_retryable", not.getMessage());
                yield true;
            }
            case Activation.LimitReached limit -> {
                ApiErrors.send(ctx, 409, "destination_limit_reached", limit.getMessage());
                yield true;
            }
            default -> false;
        };
    }

    // ---- destinations ------------------------------------------------------------------------

    private void create(RoutingContext ctx, Store store) {
        Map<String, Object> body = body(ctx, CREATE_FIELDS);
        Platform platform = platform(body.get("platform"));
        String name = name(body.get("name"));
        Mode mode = body.containsKey("mode") ? mode(body.get("mode")) : Mode.DRY_RUN;
        URI base = baseUrl(body.get("api_base_url"));
        DestinationSettings settings = DestinationSettings.parse(platform, object(body.get("config"), "config"));
        JdbcDestinations.Record r = activation.connect(store.id(), name, mode, base, settings);
        ApiErrors.created(ctx, "/api/v1/stores/" + r.storeId() + "/destinations/" + r.id(), json(r, false));
    }

    private void list(RoutingContext ctx, Store store) {
        ApiErrors.list(ctx, "destinations", activation.list(store.id()), r -> json(r, false));
    }

    private void get(RoutingContext ctx) {
        destination(ctx).ifPresent(r -> ApiErrors.json(ctx, 200, json(r, true)));
    }

    private void patch(RoutingContext ctx, JdbcDestinations.Record old) {
        JdbcDestinations.Record r = old;
        Map<String, Object> body = body(ctx, PATCH_FIELDS);
        String name = body.containsKey("name") ? name(body.get("name")) : r.name();
        Mode mode = body.containsKey("mode") ? mode(body.get("mode")) : r.mode();
        URI base = body.containsKey("api_base_url") ? baseUrl(body.get("api_base_url")) : r.apiBaseUrl();
        DestinationSettings settings = body.containsKey("config")
                ? r.settings().with(object(body.get("config"), "config")) : r.settings();
        JdbcDestinations.Record changed = new JdbcDestinations.Record(r.id(), r.storeId(), name, mode, base, settings,
                r.createdAt(), Instant.now());
        if (!activation.update(changed)) {
            notFound(ctx, r.id());
            return;
        }
        activation.get(r.storeId(), r.id()).ifPresentOrElse(x -> ApiErrors.json(ctx, 200, json(x, true)),
                () -> notFound(ctx, r.id()));
    }

    private void delete(RoutingContext ctx, JdbcDestinations.Record r) {
        activation.disconnect(r.storeId(), r.id());
        ctx.response().setStatusCode(204).end();
    }

    private void requests(RoutingContext ctx, JdbcDestinations.Record r) {
        int limit = intParam(ctx, "limit", 20, 1, 200);
        ApiErrors.list(ctx, "requests", activation.requests(r.id(), limit), DestinationApi::requestJson);
    }

    private void deadLetters(RoutingContext ctx, JdbcDestinations.Record r) {
        int limit = intParam(ctx, "limit", 50, 1, 500);
        JsonArray out = new JsonArray();
        for (JdbcDeliveryRepository.Stored stored : activation.storedDeadLetters(r.id(), limit)) {
            DeadLetter d = stored.letter();
            out.add(new JsonObject().put("id", stored.id()).put("segment_id", d.segmentId()).put("operation", d.operation())
                    .put("kind", d.kind()).put("code", d.code()).put("message", d.message())
                    .put("persons", d.personIds().size()).put("from_seq", d.fromSequence()).put("to_seq", d.toSequence())
                    .put("at", d.at().toString()));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("dead_letters", out));
    }

    private void test(RoutingContext ctx, JdbcDestinations.Record r) {
        Map<String, Object> body = optionalBody(ctx, Set.of("test_event_code"));
        Object code = body.get("test_event_code");
        if (code != null && (!(code instanceof String s) || s.isBlank() || s.length() > 100)) {
            throw new BadRequest("test_event_code", "invalid_field", "test_event_code must be a string of 1 to 100 characters");
        }
        Activation.Tested tested = activation.test(r, (String) code);
        SyncReport report = tested.report();
        JsonObject out = new JsonObject().put("mode", JdbcDestinations.wire(r.mode()))
                .put("ok", report.complete() && report.deliveries().stream().allMatch(d -> d.outcome().applied()));
        if (!report.deliveries().isEmpty()) {
            out.put("outcome", outcomeJson(report.deliveries().getFirst().outcome()));
        }
        report.skipped().stream().findFirst().ifPresent(s -> out.put("skipped", s.reason()));
        if (tested.request() != null) {
            out.put("request", requestJson(tested.request()));
        }
        ApiErrors.json(ctx, 200, out);
    }

    private void retry(RoutingContext ctx, JdbcDestinations.Record r) {
        long letter;
        try {
            letter = Long.parseLong(ctx.pathParam("letter"));
        } catch (NumberFormatException e) {
            throw new BadRequest("letter", "invalid_field", "the dead letter id is a number");
        }
        if (activation.deadLetter(r, letter).isEmpty()) {
            ApiErrors.send(ctx, 404, "dead_letter_not_found", "no dead letter " + letter + " for this destination");
            return;
        }
        Activation.Retried done = activation.retryDeadLetter(r, letter);
        JsonObject out = new JsonObject().put("sent", done.sent()).put("skipped", done.skipped())
                .put("cleared", done.cleared());
        if (done.report() != null && !done.report().deliveries().isEmpty()) {
            out.put("outcome", outcomeJson(done.report().stoppedBy() != null ? done.report().stoppedBy()
                    : done.report().deliveries().getLast().outcome()));
        }
        ApiErrors.json(ctx, 200, out);
    }

    // ---- segments ----------------------------------------------------------------------------

    private void segmentDestinations(RoutingContext ctx, SegmentRecord s) {
        ApiErrors.list(ctx, "destinations", activation.pairingsOf(s.storeId(), s.id()), this::pairingJson);
    }

    private void pair(RoutingContext ctx, SegmentRecord s) {
        Optional<JdbcDestinations.Record> d = activation.get(s.storeId(), ctx.pathParam("id"));
        if (d.isEmpty()) {
            notFound(ctx, ctx.pathParam("id"));
            return;
        }
        Map<String, Object> body = optionalBody(ctx, Set.of("audience_id"));
        Object audienceId = body.get("audience_id");
        if (audienceId != null && (!(audienceId instanceof String a) || !a.matches("[A-Za-z0-9_:.-]{1,100}"))) {
            throw new BadRequest("audience_id", "invalid_field", "audience_id must be the platform audience's id (1 to 100 of "
                    + "[A-Za-z0-9_:.-])");
        }
        Activation.PairResult result;
        try {
            result = activation.pair(d.get(), s, (String) audienceId);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("audience_id", "invalid_field", e.getMessage());
        }
        switch (result) {
            case Activation.PairResult.Paired p -> {
                JsonObject out = pairingJson(p.pairing()).put("created_audience", p.created());
                if (p.website() != null) {
                    out.put("website_audience", new JsonObject().put("id", p.website().id())
                            .put("event_name", p.website().eventName()).put("error", p.website().error()));
                }
                ApiErrors.json(ctx, p.existed() ? 200 : 201, out);
            }
            case Activation.PairResult.Refused refused -> refused(ctx, refused.outcome());
        }
    }

    private static void refused(RoutingContext ctx, Outcome o) {
        if (o instanceof Outcome.Retry retry) {
            ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, retry.after().toSeconds())));
            ApiErrors.send(ctx, 503, "platform_unavailable", "the platform asked to retry later: " + retry.reason());
        } else if (o instanceof Outcome.GiveUp g) {
            ApiErrors.send(ctx, 422, "platform_refused", "the platform refused to create the audience: "
                    + (g.code().isEmpty() ? "" : g.code() + ": ") + g.message());
        } else {
            ApiErrors.send(ctx, 422, "platform_refused", "the platform did not create the audience");
        }
    }

    private void unpair(RoutingContext ctx, SegmentRecord s) {
        if (!activation.unpair(s.storeId(), ctx.pathParam("id"), s.id())) {
            ApiErrors.send(ctx, 404, "not_synced", "segment " + s.id() + " is not synced to destination "
                    + ctx.pathParam("id"));
            return;
        }
        ctx.response().setStatusCode(204).end();
    }

    // ---- reading input -----------------------------------------------------------------------

    private Optional<JdbcDestinations.Record> destination(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        return auth.findInStore(ctx, store -> activation.get(store.id(), id), store -> notFound(ctx, id));
    }

    private Optional<SegmentRecord> segment(RoutingContext ctx) {
        String id = ctx.pathParam("segment");
        return auth.findInStore(ctx, store -> audiences.segment(store.id(), id), store -> ApiErrors.send(ctx, 404,
                "segment_not_found", "no segment '" + id + "' in this store"));
    }

    private static void notFound(RoutingContext ctx, String id) {
        ApiErrors.send(ctx, 404, "destination_not_found", "no destination '" + id + "' in this store");
    }

    /** The body's fields, none when the request has no body. */
    private static Map<String, Object> optionalBody(RoutingContext ctx, Set<String> allowed) {
        return ctx.body().buffer() == null || ctx.body().length() <= 0 ? Map.of() : body(ctx, allowed);
    }

    private static Map<String, Object> body(RoutingContext ctx, Set<String> allowed) {
        if (ctx.body().buffer() == null) {
            throw new BadRequest(null, "invalid_json", "a JSON object body is required");
        }
        Map<String, Object> body;
        try {
            body = Json.readUntrustedObject(ctx.body().buffer().getBytes());
        } catch (IOException | RuntimeException e) {
            throw new BadRequest(null, "invalid_json", "the body must be a JSON object: " + e.getMessage());
        }
        for (String k : body.keySet()) {
            if (!allowed.contains(k)) {
                throw new BadRequest(k, "invalid_field", "unknown field '" + k + "'; known: " + allowed.stream().sorted().toList());
            }
        }
        return body;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String field) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new BadRequest(field, "invalid_field", field + " must be a JSON object");
        }
        return (Map<String, Object>) m;
    }

    private static Platform platform(Object v) {
        if (v instanceof String s) {
            for (Platform p : Platform.values()) {
                if (p.id().equals(s)) {
                    return p;
                }
            }
        }
        throw new BadRequest("platform", "invalid_field", "platform must be one of meta, google, tiktok, pinterest");
    }

    private static String name(Object v) {
        if (!(v instanceof String s) || s.isBlank() || s.length() > MAX_NAME || s.chars().anyMatch(Character::isISOControl)) {
            throw new BadRequest("name", "invalid_field", "name must be 1 to " + MAX_NAME + " printable characters");
        }
        return s.strip();
    }

    private static Mode mode(Object v) {
        if ("live".equals(v)) {
            return Mode.LIVE;
        }
        if ("dry_run".equals(v)) {
            return Mode.DRY_RUN;
        }
        throw new BadRequest("mode", "invalid_field", "mode must be live or dry_run");
    }

    /** An absolute http(s) URL with no query, fragment or credentials, or null ({@link DestinationSettings#apiBaseUrl}). */
    static URI baseUrl(Object v) {
        if (v != null && !(v instanceof String)) {
            throw new BadRequest("api_base_url", "invalid_field",
                    "api_base_url must be an absolute http or https URL without query, fragment or user info");
        }
        return DestinationSettings.apiBaseUrl((String) v);
    }

    // ---- writing output ----------------------------------------------------------------------

    private JsonObject json(JdbcDestinations.Record r, boolean withStatus) {
        JsonObject config = new JsonObject();
        r.settings().settings().forEach(config::put);
        JsonObject secrets = new JsonObject();
        r.settings().hints().forEach(secrets::put);
        JsonObject out = new JsonObject().put("id", r.id()).put("store_id", r.storeId())
                .put("platform", r.platform().id()).put("name", r.name()).put("mode", JdbcDestinations.wire(r.mode()))
                .put("api_base_url", r.apiBaseUrl() == null ? null : r.apiBaseUrl().toString())
                .put("config", config).put("secrets", secrets)
                .put("created_at", r.createdAt().toString()).put("updated_at", r.updatedAt().toString());
        if (withStatus) {
            out.put("status", status(r));
        }
        return out;
    }

    private JsonObject status(JdbcDestinations.Record r) {
        JsonObject s = new JsonObject();
        Optional<SyncWorker.Stats> stats = activation.stats(r.id());
        s.put("running", stats.isPresent());
        stats.ifPresent(x -> s.put("added", x.added()).put("removed", x.removed()).put("skipped", x.skipped())
                .put("not_uploadable", x.notUploadable()).put("withheld", x.withheld()).put("membership_events", x.membershipEvents())
                .put("dead_lettered", x.deadLettered()).put("retries", x.retries())
                .put("last_success", x.lastSuccess() == null ? null : x.lastSuccess().toString())
                .put("last_error", x.lastError())
                .put("last_error_at", x.lastErrorAt() == null ? null : x.lastErrorAt().toString())
                .put("send_rate", rate(x.sendRate())));
        activation.forwarding(r.id()).ifPresent(f -> {
            JsonObject skipped = new JsonObject();
            f.skipped().forEach(skipped::put);
            s.put("events", new JsonObject().put("sent", f.sent()).put("skipped", skipped)
                    .put("dead_lettered", f.deadLettered()).put("retries", f.retries())
                    .put("last_success", f.lastSuccess() == null ? null : f.lastSuccess().toString())
                    .put("last_error", f.lastError())
                    .put("last_error_at", f.lastErrorAt() == null ? null : f.lastErrorAt().toString())
                    .put("send_rate", rate(f.sendRate())));
        });
        JsonArray pairings = new JsonArray();
        activation.pairings(r.id()).stream().filter(p -> p.storeId().equals(r.storeId()))
                .forEach(p -> pairings.add(pairingJson(p)));
        s.put("segments", pairings);
        return s;
    }

    /** Rows the platform took per minute, over the last 5 and 60 minutes. */
    private JsonObject rate(SendRate r) {
        java.time.Instant now = activation.clock().instant();
        return new JsonObject().put("per_minute_5m", Math.round(r.perMinute(now, 5) * 10) / 10.0)
                .put("per_minute_60m", Math.round(r.perMinute(now, 60) * 10) / 10.0)
                .put("last_5m", r.total(now, 5)).put("last_60m", r.total(now, 60));
    }

    private JsonObject pairingJson(Pairing p) {
        int pending = activation.pending(p);
        return new JsonObject().put("destination_id", p.destinationId()).put("segment_id", p.segmentId())
                .put("platform", p.audience().platform().id()).put("audience_id", p.audience().id())
                .put("targeting_id", p.audience().targetingId()).put("cursor", p.cursor())
                .put("pending_changes", pending).put("pending_capped", pending >= Activation.PENDING_CAP)
                .put("uploaded", activation.uploaded(p))
                .put("reconciliation", activation.reconciliation(p).map(r -> new JsonObject()
                        .put("at", r.at().toString()).put("method", r.method()).put("members", r.members())
                        .put("added", r.added()).put("removed", r.removed()).put("error", r.error())).orElse(null));
    }

    private static JsonObject requestJson(RecordedRequest q) {
        JsonObject headers = new JsonObject();
        q.request().headers().forEach(headers::put);
        byte[] body = q.request().body();
        return new JsonObject().put("at", q.at().toString()).put("mode", JdbcDestinations.wire(q.mode()))
                .put("method", q.request().method()).put("url", q.request().uri().toString()).put("headers", headers)
                .put("body_bytes", body.length)
                .put("body", new String(body, 0, Math.min(body.length, 64 * 1024), StandardCharsets.UTF_8));
    }

    private static JsonObject outcomeJson(Outcome o) {
        return switch (o) {
            case Outcome.Accepted a -> new JsonObject().put("result", "accepted").put("detail", a.detail());
            case Outcome.Recorded x -> new JsonObject().put("result", "recorded")
                    .put("detail", "dry-run: built and recorded, not sent");
            case Outcome.Partial p -> new JsonObject().put("result", "partial").put("detail", p.detail())
                    .put("failed_rows", p.failed().size());
            case Outcome.Retry r -> new JsonObject().put("result", "retry").put("detail", r.reason())
                    .put("retry_after_seconds", r.after().toSeconds());
            case Outcome.GiveUp g -> new JsonObject().put("result", "gave_up").put("code", g.code()).put("detail", g.message());
        };
    }
}
