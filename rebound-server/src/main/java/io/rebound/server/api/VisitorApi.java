package io.rebound.server.api;

import io.rebound.core.event.Event;
import io.rebound.core.store.Store;
import io.rebound.server.json.Json;
import io.rebound.server.log.EventCodec;
import io.rebound.server.runtime.EventIndexer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Admin API over one visitor's data (secret key of the store). */
public final class VisitorApi {
    private static final int MAX_LIMIT = 10_000;
    private final EventIndexer indexer;
    private final ApiAuth auth;

    public VisitorApi(EventIndexer indexer, ApiAuth auth) {
        this.indexer = indexer;
        this.auth = auth;
    }

    public void mount(Router router) {
        // Blocking: the secret-key check is a database lookup, and reads wait for the indexer.
        router.get("/api/v1/stores/:store/visitors/:visitorId/events").blockingHandler(this::events, false);
    }

    private void events(RoutingContext ctx) {
        Optional<Store> store = auth.requireStore(ctx, ctx.pathParam("store"));
        if (store.isEmpty()) {
            return;
        }
        int limit;
        try {
            limit = Integer.parseInt(Optional.ofNullable(ctx.queryParams().get("limit")).orElse("1000"));
        } catch (NumberFormatException e) {
            ApiErrors.send(ctx, 400, "invalid_parameter", "limit must be an integer 1.." + MAX_LIMIT, "limit");
            return;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            ApiErrors.send(ctx, 400, "invalid_parameter", "limit must be within 1.." + MAX_LIMIT, "limit");
            return;
        }
        String visitorId = ctx.pathParam("visitorId");
        try {
            // Read-your-writes: an event acknowledged before this request is visible in the answer.
            indexer.awaitCaughtUp(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Event> events = indexer.visitorEvents(store.get().id(), visitorId, limit);
        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", store.get().id()).put("visitor_id", visitorId)
                .put("events", toJson(events)));
    }

    @SuppressWarnings("unchecked")
    static JsonArray toJson(List<Event> events) {
        JsonArray out = new JsonArray();
        for (Event e : events) {
            Map<String, Object> m = Json.MAPPER.convertValue(EventCodec.toStored(e), Map.class);
            m.put("product_ids", e.productIds());
            out.add(new JsonObject(m));
        }
        return out;
    }
}
