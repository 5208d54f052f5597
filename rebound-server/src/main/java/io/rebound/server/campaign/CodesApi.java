package io.rebound.server.campaign;

import io.rebound.core.campaign.Offer;
import io.rebound.core.campaign.Touch;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.ApiRoutes;
import io.rebound.server.api.BadRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Redemption of Rebound-issued codes, for stores whose checkout is neither Shopify nor WooCommerce
 * (store secret key):
 * <pre>
 * GET  /api/v1/stores/:store/codes/:code           the code: percent, minimum order, expiry, status
 * POST /api/v1/stores/:store/codes/:code/redeem    {"order_id", "order_value": {"amount", "currency"}} → 200 redeemed
 * </pre>
 * A code is single-use: a second redemption is a 409 naming the order that used it; an expired code a
 * 410; an order under the offer's minimum a 422 on {@code order_value.amount}; another store's code a
 * 404 like a missing one.
 *
 * @param offers    the issued codes
 * @param campaigns the campaigns, for a code's offer
 * @param auth      the store secret-key check
 * @param clock     whether a code has expired
 */
public record CodesApi(JdbcOffers offers, JdbcCampaigns campaigns, ApiAuth auth, Clock clock) {
    static final int MAX_BODY_BYTES = 4 * 1024;

    public void mount(Router router) {
        String base = "/api/v1/stores/:store/codes/:code";
        ApiRoutes.Mount api = new ApiRoutes.Mount(MAX_BODY_BYTES);
        api.worker(router.get(base), auth.withStore(this::get));
        api.withBody(router.post(base + "/redeem"), auth.withStore(this::redeem));
    }

    private Optional<JdbcOffers.Stored> code(RoutingContext ctx, Store store) {
        String code = ctx.pathParam("code");
        Optional<JdbcOffers.Stored> found = code.length() > 64 ? Optional.empty() : offers.find(store.id(), code);
        if (found.isEmpty()) {
            ApiErrors.send(ctx, 404, "code_not_found", "no code '" + (code.length() > 64 ? code.substring(0, 64) + "…" : code)
                    + "' in store '" + store.id() + "'");
        }
        return found;
    }

    private void get(RoutingContext ctx, Store store) {
        code(ctx, store).ifPresent(c -> ApiErrors.json(ctx, 200, json(store, c, clock.instant())));
    }

    private void redeem(RoutingContext ctx, Store store) {
        Optional<JdbcOffers.Stored> found = code(ctx, store);
        if (found.isEmpty()) {
            return;
        }
        JdbcOffers.Stored c = found.get();
        boolean hasBody = ctx.body() != null && ctx.body().length() > 0;
        Map<String, Object> body = hasBody ? ApiRoutes.jsonMap(ctx, "{\"order_id\", \"order_value\"}", BadRequest::new) : Map.of();
        for (String k : body.keySet()) {
            if (!k.equals("order_id") && !k.equals("order_value")) {
                throw new BadRequest(k, "is not a field of a redemption (order_id, order_value)");
            }
        }
        String orderId = null;
        if (body.get("order_id") != null) {
            if (!(body.get("order_id") instanceof String s) || s.isBlank() || s.length() > 200) {
                throw new BadRequest("order_id", "must be the order's id, 1..200 characters");
            }
            orderId = s;
        }
        Offer offer = offer(store, c);
        if (body.get("order_value") != null) {
            if (!(body.get("order_value") instanceof Map<?, ?> value) || !(value.get("amount") instanceof Number amount)
                    || !(value.get("currency") instanceof String currency) || currency.length() != 3) {
                throw new BadRequest("order_value", "must be {\"amount\": number, \"currency\": \"USD\"}");
            }
            if (offer != null && offer.minimumOrder() != null) {
                if (!currency.equalsIgnoreCase(offer.currency())) {
                    throw new BadRequest("order_value.currency", "the code's minimum order is in " + offer.currency());
                }
                if (new BigDecimal(amount.toString()).compareTo(offer.minimumOrder()) < 0) {
                    ApiErrors.send(ctx, 422, "order_below_minimum", "the code needs an order of at least "
                            + offer.minimumOrder().toPlainString() + " " + offer.currency(), "order_value.amount");
                    return;
                }
            }
        }
        Instant now = clock.instant();
        if (offers.redeem(store.id(), c.code(), orderId, now)) {
            ApiErrors.json(ctx, 200, json(store, offers.find(store.id(), c.code()).orElseThrow(), now));
            return;
        }
        JdbcOffers.Stored after = offers.find(store.id(), c.code()).orElse(c);
        if (after.redeemedAt() != null) {
            ApiErrors.send(ctx, 409, "code_already_redeemed", "code '" + c.code() + "' was redeemed at "
                    + after.redeemedAt() + (after.orderId() == null ? "" : " by order '" + after.orderId() + "'")
                    + "; a code is single-use");
        } else {
            ApiErrors.send(ctx, 410, "code_expired", "code '" + c.code() + "' expired at " + after.expiresAt());
        }
    }

    /** The offer the code was issued for, if its campaign and touch still have one. */
    private Offer offer(Store store, JdbcOffers.Stored c) {
        return campaigns.get(store.id(), c.campaignId()).filter(r -> c.touch() < r.definition().touches().size())
                .map(r -> r.definition().touches().get(c.touch())).map(Touch::offer).orElse(null);
    }

    private JsonObject json(Store store, JdbcOffers.Stored c, Instant now) {
        Offer offer = offer(store, c);
        String status = c.redeemedAt() != null ? "redeemed" : now.isBefore(c.expiresAt()) ? "active" : "expired";
        JsonObject out = new JsonObject().put("code", c.code()).put("campaign_id", c.campaignId())
                .put("touch", c.touch()).put("percent", c.percent()).put("status", status)
                .put("issued_at", c.issuedAt().toString()).put("expires_at", c.expiresAt().toString());
        if (offer != null && offer.minimumOrder() != null) {
            out.put("minimum_order", new JsonObject().put("amount", offer.minimumOrder().toPlainString())
                    .put("currency", offer.currency()));
        }
        if (c.redeemedAt() != null) {
            out.put("redeemed_at", c.redeemedAt().toString()).put("order_id", c.orderId());
        }
        return out;
    }
}
