package io.rebound.server.api;

import io.rebound.core.event.Event;
import io.rebound.core.store.Store;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.json.Json;
import io.rebound.server.log.EventCodec;
import io.rebound.server.runtime.EventIndexer;
import com.fasterxml.jackson.core.JsonGenerator;
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
import java.util.Set;
import java.util.TreeSet;

/**
 * Admin API over one visitor's data (secret key of the store): their raw events, and the privacy
 * erasure of everything kept about them.
 * <pre>
 * GET    /api/v1/stores/:store/visitors/:visitorId/events   ?limit=
 * DELETE /api/v1/stores/:store/visitors/:visitorId          → 200 what was removed (202 when the event index was behind: the rest goes as it catches up)
 * </pre>
 */
public final class VisitorApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VisitorApi.class);
    private static final int MAX_LIMIT = 10_000;
    private static final long ERASE_CATCH_UP_MILLIS = 10_000;
    private final EventIndexer indexer;
    private final EmbeddedAudienceRuntime audiences;
    private final ApiAuth auth;

    public VisitorApi(EventIndexer indexer, EmbeddedAudienceRuntime audiences, ApiAuth auth) {
        this.indexer = indexer;
        this.audiences = audiences;
        this.auth = auth;
    }

    /** Told of every erasure (store, every id of the person), e.g. to forget them in in-memory views. */
    public VisitorApi onErasure(java.util.function.BiConsumer<String, Set<String>> listener) {
        erasureListeners.add(listener);
        return this;
    }

    private final List<java.util.function.BiConsumer<String, Set<String>>> erasureListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public void mount(Router router) {
        // Blocking: the secret-key check is a database lookup, and reads wait for the indexer.
        router.get("/api/v1/stores/:store/visitors/:visitorId/events").blockingHandler(this::events, false);
        router.delete("/api/v1/stores/:store/visitors/:visitorId").blockingHandler(this::erase, false)
                .failureHandler(ApiErrors::failure);
    }

    /**
     * Privacy erasure. The audience runtime goes first: it knows every id linked to the visitor's
     * person, whose raw events are then deleted too. Both catch up with the log before erasing, so
     * nothing acknowledged before the request survives it. Idempotent: erasing again removes nothing.
     */
    private void erase(RoutingContext ctx) {
        Optional<Store> store = auth.requireStore(ctx, ctx.pathParam("store"));
        if (store.isEmpty()) {
            return;
        }
        String storeId = store.get().id();
        String visitorId = ctx.pathParam("visitorId");
        EmbeddedAudienceRuntime.Erasure erased = audiences.forgetVisitor(storeId, visitorId);
        Set<String> ids = new TreeSet<>(erased.visitorIds());
        EventIndexer.Erasure events;
        try {
            events = indexer.eraseVisitors(storeId, ids, ERASE_CATCH_UP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ApiErrors.send(ctx, 503, "interrupted", "the erasure was interrupted; send the request again");
            return;
        }
        erasureListeners.forEach(l -> l.accept(storeId, ids));
        LOG.info("privacy erasure in store {}: {} ids, {} events{}, {} memberships left", storeId, ids.size(),
                events.eventsRemoved(), events.complete() ? "" : " (more as the index catches up)",
                erased.segmentsLeft().size());
        // 202: the index was behind; the rest of the visitor's raw events go as it reaches them.
        ApiErrors.json(ctx, events.complete() ? 200 : 202, new JsonObject()
                .put("store_id", storeId)
                .put("visitor_id", visitorId)
                .put("person_id", erased.personId())
                .put("visitor_ids", new JsonArray(List.copyOf(ids)))
                .put("events_removed", events.eventsRemoved())
                .put("complete", events.complete())
                .put("memberships_left", new JsonArray(List.copyOf(erased.segmentsLeft()))));
    }

    private void events(RoutingContext ctx) {
        Optional<Store> store = auth.requireStore(ctx, ctx.pathParam("store"));
        if (store.isEmpty()) {
            return;
        }
        int limit;
        try {
            limit = QueryParams.intParam(ctx, "limit", 1000, 1, MAX_LIMIT);
        } catch (BadRequest e) {
            ApiErrors.send(ctx, 400, e.error(), e.getMessage(), e.field());
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
        ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(Buffer.buffer(toJson(store.get().id(), visitorId, events)));
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
