package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live event debugger's feed: each new event as a small JSON row (type, product ids, value,
 * visitor, source, warnings), published on the Vert.x event bus under
 * {@code dashboard.events.<storeId>} for the server-sent-event streams of every HTTP instance,
 * and kept in a short per-store ring so that a freshly opened debugger is not empty.
 * Rows never carry PII: no email hash, IP or user agent.
 *
 * <p>Each open stream holds a connection, an event-bus consumer and timers, so their number is
 * capped per store and per process ({@link #watch}).
 */
public final class LiveEvents {
    public static final int RECENT = 50;
    static final String ADDRESS_PREFIX = "dashboard.events.";

    private final Vertx vertx;
    /** The last events per store, kept raw: most are never looked at, so rows are built on demand. */
    private final Map<String, Deque<Seen>> recent = new ConcurrentHashMap<>();
    /** Open debugger streams per store: with none, nothing is rendered or sent. */
    private final Map<String, AtomicInteger> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final int perStore;
    private final int total;

    /** Why a stream was not opened. */
    public enum Refusal {
        /** the store has as many open streams as it may */
        STORE_FULL,
        /** the process has as many open streams as it may */
        SERVER_FULL
    }

    /**
     * An open stream ({@code close} to run when it ends), or a refusal.
     *
     * @param limit the streams the refusing limit allows (0 when opened)
     */
    public record Watch(Runnable close, Refusal refused, int limit) {
        public boolean opened() {
            return refused == null;
        }
    }

    private record Seen(Event event, FunnelStats.Diagnosis diagnosis, boolean duplicate) {
    }

    /** A feed allowing {@code perStore} open streams per store and {@code total} in all. */
    public LiveEvents(Vertx vertx, int perStore, int total) {
        this.vertx = vertx;
        this.perStore = perStore;
        this.total = total;
    }

    public static String address(String storeId) {
        return ADDRESS_PREFIX + storeId;
    }

    /** Publishes one event to its store's debuggers. */
    public void publish(Event e, FunnelStats.Diagnosis diagnosis) {
        show(new Seen(e, diagnosis, false));
    }

    /** Shows a copy the indexer dropped because its event id was already stored. */
    public void publishDuplicate(Event e) {
        show(new Seen(e, FunnelStats.Diagnosis.NONE, true));
    }

    private void show(Seen seen) {
        Event e = seen.event();
        Deque<Seen> ring = recent.computeIfAbsent(e.storeId(), k -> new ArrayDeque<>(RECENT));
        synchronized (ring) {
            if (ring.size() == RECENT) {
                ring.removeFirst();
            }
            ring.addLast(seen);
        }
        var watching = watchers.get(e.storeId());
        if (watching != null && watching.get() > 0) {
            vertx.eventBus().publish(address(e.storeId()), row(seen).encode());
        }
    }

    /** Privacy erasure: the store's recent rows of these visitor ids (anonymous or user ids) are dropped. */
    public void forget(String storeId, java.util.Set<String> visitorIds) {
        Deque<Seen> ring = recent.get(storeId);
        if (ring == null) {
            return;
        }
        synchronized (ring) {
            ring.removeIf(s -> visitorIds.contains(s.event().visitorId())
                    || s.event().userId() != null && visitorIds.contains(s.event().userId()));
        }
    }

    /**
     * Registers an open debugger stream of a store, unless the store or the process has as many
     * as it may; run the watch's {@code close} when the stream ends.
     */
    public Watch watch(String storeId) {
        if (open.incrementAndGet() > total) {
            open.decrementAndGet();
            return new Watch(null, Refusal.SERVER_FULL, total);
        }
        var count = watchers.computeIfAbsent(storeId, k -> new AtomicInteger());
        if (count.incrementAndGet() > perStore) {
            count.decrementAndGet();
            open.decrementAndGet();
            return new Watch(null, Refusal.STORE_FULL, perStore);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return new Watch(() -> {
            if (closed.compareAndSet(false, true)) {
                count.decrementAndGet();
                open.decrementAndGet();
            }
        }, null, 0);
    }

    /** The last few rows of a store, oldest first. */
    public List<JsonObject> recent(String storeId) {
        Deque<Seen> ring = recent.get(storeId);
        if (ring == null) {
            return List.of();
        }
        List<Seen> seen;
        synchronized (ring) {
            seen = new ArrayList<>(ring);
        }
        List<JsonObject> rows = new ArrayList<>(seen.size());
        for (Seen s : seen) {
            rows.add(row(s));
        }
        return rows;
    }

    /** The debugger row of an event. */
    private static JsonObject row(Seen seen) {
        JsonObject row = row(seen.event(), seen.diagnosis());
        if (seen.duplicate()) {
            row.getJsonArray("warnings").add(0, "duplicated event id: already stored, this copy was dropped — "
                    + "a retry is fine, but if this repeats, two tags may be sending the same event");
            row.put("duplicate", true);
        }
        return row;
    }

    static JsonObject row(Event e, FunnelStats.Diagnosis d) {
        JsonObject row = new JsonObject()
                .put("id", e.eventId())
                .put("type", e.type() == EventType.CUSTOM ? e.name() : e.type().canonicalName())
                .put("name", e.name())
                .put("products", e.productIds())
                .put("value", e.value() == null ? null : e.value().toPlainString())
                .put("currency", e.currency())
                .put("visitor", e.visitorId())
                .put("anonymous", e.anonymousId() != null)
                .put("source", source(e))
                .put("time", e.eventTime().toString())
                .put("received", e.receivedAt().toString());
        row.put("warnings", new io.vertx.core.json.JsonArray(warnings(e, d)));
        return row;
    }

    static String source(Event e) {
        return switch (e.source()) {
            case PIXEL -> "pixel";
            case SEGMENT -> "Segment API";
            case SERVER -> "server";
            case SIMULATOR -> "simulator";
        };
    }

    /** What retargeting would miss in this event, in the store owner's words. */
    static List<String> warnings(Event e, FunnelStats.Diagnosis d) {
        List<String> out = new ArrayList<>();
        boolean needsIds = e.type() == EventType.VIEW_CONTENT || e.type() == EventType.ADD_TO_CART
                || e.type() == EventType.INITIATE_CHECKOUT || e.type() == EventType.PURCHASE;
        if (needsIds && e.products().isEmpty()) {
            out.add("no content ids: product audiences and dynamic ads cannot use it");
        }
        if (e.type() == EventType.PURCHASE && (e.value() == null || e.currency() == null)) {
            out.add("no " + (e.value() == null ? (e.currency() == null ? "value or currency" : "value") : "currency")
                    + ": ROAS and value-based audiences cannot use it");
        }
        if (e.anonymousId() == null) {
            out.add("no anonymous id: cannot be joined to the visitor's browsing");
        }
        if (d.likelyDuplicate()) {
            out.add("likely duplicate: same event from this visitor seconds ago with another event id — "
                    + "send the same event_id (e.g. the order id) from every copy");
        }
        if (d.orphanPurchase()) {
            out.add("purchase without an earlier add-to-cart from this visitor");
        }
        return out;
    }
}
