package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.campaign.InvalidCampaignException;
import io.rebound.core.campaign.Touch;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.audience.Audiences;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Optional;

/**
 * The campaign API (store secret key):
 * <pre>
 * POST   /api/v1/stores/:store/campaigns              campaign JSON → 201, active
 * GET    /api/v1/stores/:store/campaigns              {"campaigns": [...]}
 * GET    /api/v1/stores/:store/campaigns/:id
 * PUT    /api/v1/stores/:store/campaigns/:id          replace the definition (codes, counts, holdout stay)
 * POST   /api/v1/stores/:store/campaigns/:id/pause    → paused: the decision API no longer serves it
 * POST   /api/v1/stores/:store/campaigns/:id/resume   → active
 * DELETE /api/v1/stores/:store/campaigns/:id          204; its codes and counts go with it
 * GET    /api/v1/stores/:store/campaigns/:id/stats    decisions per touch and reason, offers issued, people per touch
 * </pre>
 * Bad definitions are a 400 listing every field; another store's campaign is a 404 like a missing one.
 *
 * @param campaigns the campaigns
 * @param offers    the offers, for a campaign's stats
 * @param audiences the segments a campaign may target
 * @param auth      the store secret-key check
 */
public record CampaignApi(JdbcCampaigns campaigns, JdbcOffers offers, Audiences audiences, ApiAuth auth) {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** How the campaign routes run (the decision API's too): an invalid definition is a 400 listing its violations. */
    static final ApiRoutes.Mount ROUTES = new ApiRoutes.Mount(MAX_BODY_BYTES, ApiRoutes.Refusals.violations(
            InvalidCampaignException.class, "invalid_campaign", InvalidCampaignException::violations));

    public void mount(Router router) {
        String base = "/api/v1/stores/:store/campaigns";
        ROUTES.withBody(router.post(base), auth.withStore(this::create));
        ROUTES.worker(router.get(base), auth.withStore(this::list));
        ROUTES.worker(router.get(base + "/:id"), ctx -> campaign(ctx).ifPresent(c -> ApiErrors.json(ctx, 200, json(c))));
        ROUTES.withBody(router.put(base + "/:id"), ApiRoutes.found(this::campaign, this::replace));
        ROUTES.worker(router.post(base + "/:id/pause"), ctx -> status(ctx, CampaignRecord.Status.PAUSED));
        ROUTES.worker(router.post(base + "/:id/resume"), ctx -> status(ctx, CampaignRecord.Status.ACTIVE));
        ROUTES.worker(router.delete(base + "/:id"), ApiRoutes.found(this::campaign, this::delete));
        ROUTES.worker(router.get(base + "/:id/stats"), ApiRoutes.found(this::campaign, this::stats));
    }

    private void create(RoutingContext ctx, Store store) {
        CampaignDefinition d = parse(ctx, store.id());
        if (campaigns.list(store.id()).size() >= JdbcCampaigns.MAX_PER_STORE) {
            ApiErrors.send(ctx, 409, "campaign_limit_reached", "store '" + store.id() + "' has "
                    + JdbcCampaigns.MAX_PER_STORE + " campaigns, the most it may have; delete one first");
            return;
        }
        CampaignRecord c = campaigns.create(store.id(), d);
        ApiErrors.created(ctx, "/api/v1/stores/" + c.storeId() + "/campaigns/" + c.id(), json(c));
    }

    private void list(RoutingContext ctx, Store store) {
        ApiErrors.list(ctx, "campaigns", campaigns.list(store.id()), CampaignApi::json);
    }

    private void replace(RoutingContext ctx, CampaignRecord old) {
        CampaignDefinition d = parse(ctx, old.storeId());
        campaigns.update(old.storeId(), old.id(), d)
                .ifPresentOrElse(c -> ApiErrors.json(ctx, 200, json(c)), () -> notFound(ctx, old.storeId()));
    }

    private void status(RoutingContext ctx, CampaignRecord.Status status) {
        Optional<CampaignRecord> old = campaign(ctx);
        if (old.isEmpty()) {
            return;
        }
        campaigns.setStatus(old.get().storeId(), old.get().id(), status)
                .ifPresentOrElse(c -> ApiErrors.json(ctx, 200, json(c)), () -> notFound(ctx, old.get().storeId()));
    }

    private void delete(RoutingContext ctx, CampaignRecord c) {
        campaigns.delete(c.storeId(), c.id());
        ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
    }

    private void stats(RoutingContext ctx, CampaignRecord c) {
        JdbcOffers.Stats stats = offers.stats(c.id());
        JdbcOffers.People people = offers.people(c);
        JsonArray touches = new JsonArray();
        for (int i = 0; i < c.definition().touches().size(); i++) {
            Touch t = c.definition().touches().get(i);
            Map<String, Long> reasons = stats.decisions().getOrDefault(i, Map.of());
            touches.add(new JsonObject().put("touch", i).put("after_hours", t.afterJoining().toHours())
                    .put("kind", t.isReminder() ? "reminder" : "offer")
                    .put("shown", reasons.values().stream().mapToLong(Long::longValue).sum())
                    .put("reasons", new JsonObject(Map.copyOf(reasons)))
                    .put("offers_issued", stats.offersIssued().getOrDefault(i, 0L))
                    .put("people", people(people.touches().get(i))));
        }
        Map<String, Long> nothing = stats.decisions().getOrDefault(-1, Map.of());
        ApiErrors.json(ctx, 200, new JsonObject().put("campaign_id", c.id()).put("touches", touches)
                .put("not_shown", new JsonObject(Map.copyOf(nothing)))
                .put("decisions", stats.decisions().values().stream().flatMap(m -> m.values().stream())
                        .mapToLong(Long::longValue).sum())
                .put("people", people(people.total())));
    }

    private static JsonObject people(JdbcOffers.PeopleCounts p) {
        return new JsonObject().put("entered", p.entered()).put("emailed", p.emailed()).put("reminded", p.reminded())
                .put("offered", p.offered()).put("converted", p.converted()).put("exited", p.exited());
    }

    /** The campaign at the path, or the response already ended with 401/404. */
    private Optional<CampaignRecord> campaign(RoutingContext ctx) {
        return auth.findInStore(ctx, store -> campaigns.get(store.id(), ctx.pathParam("id")),
                store -> notFound(ctx, store.id()));
    }

    private static void notFound(RoutingContext ctx, String storeId) {
        ApiErrors.send(ctx, 404, "campaign_not_found", "no campaign '" + ctx.pathParam("id") + "' in store '"
                + storeId + "'");
    }

    static JsonObject json(CampaignRecord c) {
        return new JsonObject().put("id", c.id()).put("store_id", c.storeId()).put("name", c.definition().name())
                .put("status", c.status().json())
                .put("definition", new JsonObject(CampaignDefinitions.toJson(c.definition())))
                .put("created_at", c.createdAt().toString()).put("updated_at", c.updatedAt().toString());
    }

    /** The body as a definition whose segment is the store's. */
    private CampaignDefinition parse(RoutingContext ctx, String storeId) {
        Map<String, Object> json = ApiRoutes.jsonMap(ctx,
                "a campaign as a JSON object (docs/campaigns.md)", InvalidCampaignException::new);
        CampaignDefinition d = CampaignDefinitions.parse(json);
        if (audiences.segment(storeId, d.segmentId()).isEmpty()) {
            throw new InvalidCampaignException("segment_id", "no segment '" + d.segmentId() + "' in store '" + storeId
                    + "': create the segment first (POST /api/v1/stores/" + storeId + "/segments)");
        }
        return d;
    }
}
