package io.rebound.server.api;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.segment.InvalidSegmentException;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.store.Store;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.BackfillJob;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.audience.SegmentLimit;
import io.rebound.server.audience.SegmentRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.rebound.server.api.QueryParams.cursorParam;
import static io.rebound.server.api.QueryParams.intParam;
import static io.rebound.server.api.QueryParams.nextCursor;
import static io.rebound.server.api.QueryParams.longParam;

/**
 * The audience API (store secret key):
 * <pre>
 * POST   /api/v1/stores/:store/segments                  segment JSON or {"template": ...} → 201
 * GET    /api/v1/stores/:store/segments                  {"segments": [...]}
 * GET    /api/v1/stores/:store/segments/:id              segment with status, progress, size, readiness
 * PUT    /api/v1/stores/:store/segments/:id              replace the definition (backfills again)
 * DELETE /api/v1/stores/:store/segments/:id              204
 * GET    /api/v1/stores/:store/segments/:id/members      ?limit=&cursor=
 * GET    /api/v1/stores/:store/segments/:id/changes      ?after=&limit=
 * GET    /api/v1/stores/:store/segments/:id/sizes        ?limit=
 * GET    /api/v1/stores/:store/visitors/:visitorId/segments
 * GET    /api/v1/stores/:store/readiness
 * </pre>
 * Bad input is a 400 naming the field; another store's segment is a 404 like a missing one.
 *
 * @param runtime     the audiences port the segments live in
 * @param auth        the store secret-key check
 * @param policy      what sizes and traffic count as ready
 * @param maxSegments the most segments a store may have ({@link SegmentLimit})
 */
public record SegmentApi(Audiences runtime, ApiAuth auth, ReadinessPolicy policy, int maxSegments) {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Set<String> TEMPLATE_FIELDS = Set.of("template", "within_days", "product_id", "category", "name");

    /** The API with the default segment limit ({@link SegmentLimit#DEFAULT}). */
    public SegmentApi(Audiences runtime, ApiAuth auth, ReadinessPolicy policy) {
        this(runtime, auth, policy, SegmentLimit.DEFAULT);
    }

    public void mount(Router router) {
        ApiRoutes.Mount api = new ApiRoutes.Mount(MAX_BODY_BYTES, ApiRoutes.Refusals.violations(
                InvalidSegmentException.class, "invalid_segment", InvalidSegmentException::violations));
        String segments = "/api/v1/stores/:store/segments";
        api.withBody(router.post(segments), auth.withStore(this::create));
        api.worker(router.get(segments), auth.withStore(this::list));
        api.worker(router.get(segments + "/:id"), this::get);
        api.withBody(router.put(segments + "/:id"), ApiRoutes.found(this::segment, this::replace));
        api.worker(router.delete(segments + "/:id"), ApiRoutes.found(this::segment, this::delete));
        api.worker(router.get(segments + "/:id/members"), ApiRoutes.found(this::segment, this::members));
        api.worker(router.get(segments + "/:id/changes"), ApiRoutes.found(this::segment, this::changes));
        api.worker(router.get(segments + "/:id/sizes"), ApiRoutes.found(this::segment, this::sizes));
        api.worker(router.get("/api/v1/stores/:store/visitors/:visitorId/segments"), auth.withStore(this::visitorSegments));
        api.worker(router.get("/api/v1/stores/:store/readiness"), auth.withStore(this::readiness));
    }

    // ---- segments --------------------------------------------------------------------------

    private void create(RoutingContext ctx, Store store) {
        int count = runtime.segments(store.id()).size();
        if (count >= maxSegments) {
            ApiErrors.send(ctx, 409, "segment_limit_reached", SegmentLimit.message(store.id(), count, maxSegments));
            return;
        }
        Parsed p = parse(ctx);
        SegmentRecord s = runtime.createSegment(store.id(), p.definition, p.template);
        ApiErrors.created(ctx, "/api/v1/stores/" + s.storeId() + "/segments/" + s.id(), segmentJson(s));
    }

    private void list(RoutingContext ctx, Store store) {
        ApiErrors.list(ctx, "segments", runtime.segments(store.id()), this::segmentJson);
    }

    private void get(RoutingContext ctx) {
        segment(ctx).ifPresent(s -> ApiErrors.json(ctx, 200, segmentJson(s)));
    }

    private void replace(RoutingContext ctx, SegmentRecord old) {
        Parsed p = parse(ctx);
        SegmentRecord s = runtime.putSegment(old.storeId(), old.id(), p.definition, p.template);
        ApiErrors.json(ctx, 200, segmentJson(s));
    }

    private void delete(RoutingContext ctx, SegmentRecord s) {
        runtime.deleteSegment(s.storeId(), s.id());
        ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
    }

    /** The segment at the path, or the response already ended with 401/404. */
    private Optional<SegmentRecord> segment(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        return auth.findInStore(ctx, store -> runtime.segment(store.id(), id), store -> ApiErrors.send(ctx, 404,
                "segment_not_found", "no segment '" + id + "' in store '" + store.id() + "'"));
    }

    private JsonObject segmentJson(SegmentRecord s) {
        BackfillJob.Progress p = runtime.progress(s.storeId(), s.id());
        long size = runtime.reader().size(s.storeId(), s.id());
        JsonObject progress = new JsonObject().put("percent", s.status() == SegmentRecord.Status.READY ? 100.0 : p.percent())
                .put("persons_done", p.personsDone()).put("persons_total", p.personsTotal())
                .put("eta_seconds", s.status() == SegmentRecord.Status.READY ? Long.valueOf(0) : p.etaSeconds());
        return new JsonObject()
                .put("id", s.id())
                .put("store_id", s.storeId())
                .put("name", s.definition().name())
                .put("definition", new JsonObject(SegmentDefinitions.toJson(s.definition())))
                .put("template", s.template())
                .put("status", s.status().json())
                .put("progress", progress)
                .put("size", size)
                .put("readiness", readiness(size))
                .put("created_at", s.createdAt().toString())
                .put("updated_at", s.updatedAt().toString())
                .put("effective_from", s.effectiveFrom().toString());
    }

    private JsonObject readiness(long size) {
        JsonArray platforms = new JsonArray();
        policy.platformMinimums().forEach((platform, min) -> platforms.add(new JsonObject()
                .put("platform", platform).put("minimum", min).put("ready", size >= min)
                .put("missing", Math.max(0, min - size))));
        return new JsonObject().put("recommended_size", policy.recommendedSize())
                .put("meets_recommended", size >= policy.recommendedSize())
                .put("platforms", platforms);
    }

    // ---- members, changes, sizes -------------------------------------------------------------

    private void members(RoutingContext ctx, SegmentRecord s) {
        int limit = intParam(ctx, "limit", 100, 1, 1_000);
        String after = cursorParam(ctx, key -> true);
        String storeId = s.storeId();
        List<AudienceReader.Member> page = runtime.reader().members(storeId, s.id(), after, limit);
        JsonArray out = new JsonArray();
        for (AudienceReader.Member m : page) {
            PersonIds ids = runtime.reader().ids(storeId, m.personId());
            JsonArray anonymous = new JsonArray();
            JsonArray users = new JsonArray();
            ids.anonymousIds().forEach(anonymous::add);
            ids.userIds().forEach(users::add);
            out.add(new JsonObject().put("person_id", m.personId()).put("anonymous_ids", anonymous)
                    .put("user_id", users.isEmpty() ? null : users.getString(0)).put("user_ids", users)
                    .put("joined_at", m.joinedAt().toString()));
        }
        String next = nextCursor(page, limit, AudienceReader.Member::personId);
        ApiErrors.json(ctx, 200, new JsonObject().put("segment_id", s.id()).put("members", out)
                .put("next_cursor", next));
    }

    private void changes(RoutingContext ctx, SegmentRecord s) {
        long after = longParam(ctx, "after", 0);
        int limit = intParam(ctx, "limit", 100, 1, 1_000);
        List<LoggedChange> page = runtime.reader().changes(s.storeId(), s.id(), after, limit);
        JsonArray out = new JsonArray();
        for (LoggedChange l : page) {
            MembershipChange c = l.change();
            out.add(new JsonObject().put("sequence", l.sequence()).put("person_id", c.personId())
                    .put("kind", c.kind() == MembershipChange.Kind.JOINED ? "joined" : "left")
                    .put("at", c.at().toString()).put("reason", c.reason()));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("segment_id", s.id()).put("changes", out)
                .put("next_after", page.isEmpty() ? after : page.getLast().sequence()));
    }

    private void sizes(RoutingContext ctx, SegmentRecord s) {
        int limit = intParam(ctx, "limit", 1_000, 1, 10_000);
        JsonArray out = new JsonArray();
        runtime.reader().sizes(s.storeId(), s.id(), limit)
                .forEach(x -> out.add(new JsonObject().put("at", x.at().toString()).put("size", x.size())));
        ApiErrors.json(ctx, 200, new JsonObject().put("segment_id", s.id())
                .put("current_size", runtime.reader().size(s.storeId(), s.id())).put("sizes", out));
    }

    // ---- visitors and readiness --------------------------------------------------------------

    private void visitorSegments(RoutingContext ctx, Store store) {
        try {
            runtime.awaitCaughtUp(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Audiences.VisitorMemberships v = runtime.visitor(store.id(), ctx.pathParam("visitorId"));
        JsonArray out = new JsonArray();
        for (Audiences.VisitorMemberships.Membership m : v.memberships()) {
            JsonObject o = new JsonObject().put("segment_id", m.segmentId()).put("joined_at", m.joinedAt().toString());
            if (m.name() != null) {
                o.put("name", m.name()).put("reason", m.reason())
                        .put("ends_at", m.endsAt() == null ? null : m.endsAt().toString());
            }
            out.add(o);
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", v.storeId()).put("visitor_id", v.visitorId())
                .put("person_id", v.personId()).put("segments", out));
    }

    private void readiness(RoutingContext ctx, Store store) {
        long visitors = runtime.reader().uniqueVisitors30d(store.id(), runtime.clock().instant());
        String level = policy.trafficLevel(visitors);
        String advice = switch (level) {
            case "too_small" -> "fewer than " + policy.monthlyVisitorsLow() + " unique visitors in 30 days: retargeting "
                    + "audiences will not fill; prospect first to grow traffic";
            case "borderline" -> "retargeting can start, but audiences will stay small; keep prospecting alongside";
            default -> "enough traffic to fill retargeting audiences";
        };
        JsonArray segments = new JsonArray();
        for (SegmentRecord s : runtime.segments(store.id())) {
            long size = runtime.reader().size(s.storeId(), s.id());
            segments.add(new JsonObject().put("id", s.id()).put("name", s.definition().name()).put("size", size)
                    .put("readiness", readiness(size)));
        }
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", store.id()).put("window_days", 30)
                .put("unique_visitors", visitors).put("monthly_visitors_minimum", policy.monthlyVisitorsLow())
                .put("monthly_visitors_recommended", policy.monthlyVisitorsOk()).put("level", level)
                .put("advice", advice).put("segments", segments));
    }

    // ---- input -----------------------------------------------------------------------------

    private record Parsed(SegmentDefinition definition, String template) {
    }

    private static Parsed parse(RoutingContext ctx) {
        Map<String, Object> json = ApiRoutes.jsonMap(ctx,
                "a JSON object: a segment definition or {\"template\": ...}", InvalidSegmentException::new);
        if (!json.containsKey("template")) {
            return new Parsed(SegmentDefinitions.parse(json), null);
        }
        for (String key : json.keySet()) {
            if (!TEMPLATE_FIELDS.contains(key)) {
                throw new BadRequest(key, "unknown field with a template; allowed: " + TEMPLATE_FIELDS);
            }
        }
        String template = string(json, "template");
        if (template == null || !SegmentTemplates.IDS.contains(template)) {
            throw new BadRequest("template", "must be one of " + SegmentTemplates.IDS);
        }
        Object days = json.get("within_days");
        if (days != null && !(days instanceof Integer)) {
            throw new BadRequest("within_days", "must be a whole number from 1 to 540");
        }
        SegmentDefinition d;
        try {
            d = SegmentTemplates.instantiate(template, (Integer) days,
                    new SegmentTemplates.Scope(string(json, "product_id"), string(json, "category")));
        } catch (InvalidSegmentException e) {
            String field = e.violations().isEmpty() ? "within_days" : e.violations().getFirst().field();
            throw new BadRequest("days".equals(field) ? "within_days" : field, e.violations().isEmpty()
                    ? e.getMessage() : e.violations().getFirst().message());
        }
        String name = string(json, "name");
        if (name != null) {
            if (name.isBlank() || name.length() > 200) {
                throw new BadRequest("name", "must be 1 to 200 characters");
            }
            d = new SegmentDefinition(name.strip(), d.description(), d.include(), d.exclude());
        }
        return new Parsed(d, template);
    }

    private static String string(Map<String, Object> json, String field) {
        Object v = json.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new BadRequest(field, "must be a non-empty string");
        }
        return s;
    }
}
