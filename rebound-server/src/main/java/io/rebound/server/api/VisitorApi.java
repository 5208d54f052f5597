package io.rebound.server.api;

import com.fasterxml.jackson.core.JsonGenerator;
import io.rebound.core.event.Event;
import io.rebound.core.store.Store;
import io.rebound.server.audience.Audiences;
import io.rebound.server.json.Json;
import io.rebound.server.log.EventCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Admin API over one visitor's data (secret key of the store), on the {@link Audiences} port, the
 * same in both modes: their raw events, and the privacy erasure of everything kept about them.
 * <pre>
 * GET    /api/v1/stores/:store/visitors/:visitorId/events   ?limit=   (404 not_available_in_cluster_mode where none are kept per visitor)
 * DELETE /api/v1/stores/:store/visitors/:visitorId          → 200 erased / nothing_to_erase; 202 erasing (the rest follows)
 * </pre>
 *
 * @param audiences the audiences port the events and the erasure go to
 * @param auth      the store secret-key check
 */
public record VisitorApi(Audiences audiences, ApiAuth auth) {
    private static final int MAX_LIMIT = 10_000;

    public void mount(Router router) {
        // Blocking: the secret-key check is a database lookup, and reads wait for the indexer.
        router.get("/api/v1/stores/:store/visitors/:visitorId/events")
                .blockingHandler(auth.withStore(this::events), false);
        router.delete("/api/v1/stores/:store/visitors/:visitorId").blockingHandler(auth.withStore(this::erase), false)
                .failureHandler(ApiErrors::failure);
    }

    /** Privacy erasure; idempotent: erasing again removes nothing. */
    private void erase(RoutingContext ctx, Store store) {
        String storeId = store.id();
        String visitorId = ctx.pathParam("visitorId");
        Audiences.Erasure erased;
        try {
            erased = audiences.erase(storeId, visitorId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ApiErrors.send(ctx, 503, "interrupted", "the erasure was interrupted; send the request again");
            return;
        } catch (Audiences.Unavailable e) {
            ctx.response().putHeader("Retry-After", "5");
            ApiErrors.send(ctx, 503, "erasure_unavailable", e.getMessage());
            return;
        }
        ApiErrors.json(ctx, erased.status().equals("erasing") ? 202 : 200, new JsonObject()
                .put("store_id", storeId)
                .put("visitor_id", visitorId)
                .put("status", erased.status())
                .put("person_id", erased.personId())
                .put("visitor_ids", new JsonArray(List.copyOf(erased.visitorIds())))
                .put("events_removed", erased.eventsRemoved())
                .put("complete", erased.complete())
                .put("memberships_left", new JsonArray(erased.segmentsLeft())));
    }

    private void events(RoutingContext ctx, Store store) {
        int limit;
        try {
            limit = QueryParams.intParam(ctx, "limit", 1000, 1, MAX_LIMIT);
        } catch (BadRequest e) {
            ApiErrors.send(ctx, 400, e.error(), e.getMessage(), e.field());
            return;
        }
        String visitorId = ctx.pathParam("visitorId");
        Optional<List<Event>> events = audiences.timeline(store.id(), visitorId, limit);
        if (events.isEmpty()) {
            ApiErrors.send(ctx, 404, "not_available_in_cluster_mode",
                    "raw events are kept per visitor only by the embedded server; in cluster mode they are in the events topic");
            return;
        }
        ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(Buffer.buffer(toJson(store.id(), visitorId, events.get())));
    }

    static byte[] toJson(String storeId, String visitorId, List<Event> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + events.size() * 400);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("store_id", storeId);
            g.writeStringField("visitor_id", visitorId);
            g.writeArrayFieldStart("events");
            for (Event e : events) {
                EventCodec.write(g, e, true);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
