package io.rebound.core.segment;

import io.rebound.core.binary.Hash64;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a visitor's state keeps of one event: only what segment conditions can ask about.
 * Event time has millisecond precision; the event id is kept as a 64-bit hash for deduplication.
 *
 * @param idHash     {@link #hashId(String)} of the event id
 * @param timeMillis event time, epoch milliseconds
 * @param type       canonical type
 * @param name       the custom event's name when {@code type} is {@link EventType#CUSTOM}, else null
 * @param productIds product ids in event order
 * @param categories distinct product categories
 * @param value      monetary value, or null
 * @param currency   ISO 4217 code, or null
 * @param properties custom properties whose values are String, BigDecimal or Boolean
 */
public record RetainedEvent(long idHash, long timeMillis, EventType type, String name, List<String> productIds,
                            List<String> categories, BigDecimal value, String currency,
                            Map<String, Object> properties) {

    /** The order of a visitor's events: event time, then id hash, so arrival order never matters. */
    public static final Comparator<RetainedEvent> ORDER =
            Comparator.comparingLong(RetainedEvent::timeMillis).thenComparingLong(RetainedEvent::idHash);

    public RetainedEvent {
        Objects.requireNonNull(type, "type");
        name = type == EventType.CUSTOM ? Objects.requireNonNull(name, "name of a custom event") : null;
        productIds = List.copyOf(productIds);
        categories = List.copyOf(categories);
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** Keeps what segments need of {@code event}; property values that are not scalars are dropped. */
    public static RetainedEvent of(Event event) {
        List<String> categories = List.of();
        for (Product p : event.products()) {
            if (p.category() != null && !categories.contains(p.category())) {
                categories = categories.isEmpty() ? new ArrayList<>(2) : categories;
                categories.add(p.category());
            }
        }
        Map<String, Object> props = Map.of();
        if (!event.properties().isEmpty()) {
            Map<String, Object> scalars = new LinkedHashMap<>();
            event.properties().forEach((k, v) -> {
                Object scalar = scalar(v);
                if (scalar != null) {
                    scalars.put(k, scalar);
                }
            });
            props = scalars;
        }
        return new RetainedEvent(hashId(event.eventId()), event.eventTime().toEpochMilli(), event.type(),
                event.type() == EventType.CUSTOM ? event.name() : null, event.productIds(), categories,
                event.value(), event.currency(), props);
    }

    /** A property value as conditions compare it: String, BigDecimal or Boolean; null for anything else. */
    public static Object scalar(Object v) {
        if (v instanceof String || v instanceof Boolean || v instanceof BigDecimal) {
            return v;
        }
        if (v instanceof Number n) {
            // An infinite or NaN double has no decimal form (new BigDecimal would throw).
            boolean finite = !(n instanceof Double d && !Double.isFinite(d)) && !(n instanceof Float f && !Float.isFinite(f));
            return finite ? new BigDecimal(n.toString()) : null;
        }
        return null;
    }

    /**
     * A 64-bit hash of an event id, {@link Hash64#eventId} (FNV-1a over UTF-8, then a murmur
     * finaliser); collisions are negligible. Stored in every person state: it never changes.
     */
    public static long hashId(String eventId) {
        return Hash64.eventId(eventId);
    }

    public Instant time() {
        return Instant.ofEpochMilli(timeMillis);
    }

    /** The event's name as shown to a store owner: canonical name, or the custom name. */
    public String displayName() {
        return type == EventType.CUSTOM ? name : type.canonicalName();
    }
}
