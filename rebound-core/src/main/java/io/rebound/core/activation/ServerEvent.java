package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A store event or a segment-membership event on its way to a platform's conversions API, before
 * any platform's format is applied. The event id is the one the browser pixel used, so the platform
 * deduplicates the two; {@link #clickIds()} holds the platforms' own browser ids under the keys of
 * {@link ClickIds}, as an {@link io.rebound.core.event.Event} does.
 *
 * @param eventId   the deduplication id shared with the browser pixel
 * @param type      canonical type; {@link EventType#CUSTOM} for membership events
 * @param name      the name to send for custom events (e.g. the segment's event name)
 * @param eventTime when it happened
 * @param pageUrl   page URL, or null
 * @param referrer  referrer URL, or null
 * @param ip        the visitor's IP address as collected, or null
 * @param userAgent the visitor's user agent, or null
 * @param clickIds  browser ids and click ids ({@link ClickIds#FBP}, {@link ClickIds#FBC}, …)
 * @param contact   the person's identifiers (raw or hashed)
 * @param value     monetary value, or null
 * @param currency  ISO 4217 code, or null
 * @param products  product lines
 * @param orderId   order id, or null
 * @param consent   the person's advertising consent
 */
public record ServerEvent(String eventId, EventType type, String name, Instant eventTime, String pageUrl,
                          String referrer, String ip, String userAgent, Map<String, String> clickIds,
                          Contact contact, BigDecimal value, String currency, List<Product> products,
                          String orderId, AdConsent consent) {

    public ServerEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(eventTime, "eventTime");
        name = name == null ? type.canonicalName() : name;
        clickIds = clickIds == null ? Map.of() : Map.copyOf(clickIds);
        contact = contact == null ? Contact.EMPTY : contact;
        products = products == null ? List.of() : List.copyOf(products);
        consent = consent == null ? AdConsent.UNSTATED : consent;
    }

    /**
     * Meta's {@code fbc}: the {@code _fbc} cookie when present, else built from {@code fbclid} as
     * {@code fb.1.{landing time in ms}.{fbclid}} (the event time stands in for an unknown landing
     * time); null when neither is known.
     */
    public String metaFbc() {
        String fbc = clickIds.get(ClickIds.FBC);
        if (fbc != null) {
            return fbc;
        }
        String fbclid = clickIds.get(ClickIds.FBCLID);
        if (fbclid == null) {
            return null;
        }
        String at = clickIds.get(ClickIds.FBCLID_AT);
        long ms = at != null && at.matches("[0-9]{1,19}") ? Long.parseLong(at) : eventTime.toEpochMilli();
        return "fb.1." + ms + "." + fbclid;
    }
}
