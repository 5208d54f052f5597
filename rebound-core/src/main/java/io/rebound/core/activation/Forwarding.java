package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which accepted events go to the platforms' conversions APIs, and as what. The store's ecommerce
 * funnel is forwarded (view, add to cart, checkout, purchase) with the event id the browser pixel
 * used, so a platform that also received the browser's copy counts the event once. An event is never
 * forwarded when its own consent, or the latest consent its person stated, denies advertising.
 */
public final class Forwarding {

    /** The event types forwarded to conversions APIs. */
    public static final Set<EventType> FORWARDED = Set.copyOf(EnumSet.of(EventType.VIEW_CONTENT, EventType.ADD_TO_CART,
            EventType.INITIATE_CHECKOUT, EventType.PURCHASE));

    private Forwarding() {
    }

    /** Whether {@code e} is of a forwarded type and its own consent allows advertising. */
    public static boolean forwardable(Event e) {
        return FORWARDED.contains(e.type()) && AdConsent.allowsRetargeting(e.consent());
    }

    /**
     * The server event for {@code e}.
     *
     * @param contact the person's identifiers: the event's own (email hash, user id) merged by the caller with
     *                what is known of its person
     * @param person  the person's advertising consent before this event ({@link AdConsent#UNSTATED} when unknown);
     *                the event's own statement, when it makes one, is applied on top
     */
    public static ServerEvent event(Event e, Contact contact, AdConsent person) {
        Object orderId = e.properties().get("order_id");
        return new ServerEvent(e.eventId(), e.type(), null, e.eventTime(), e.pageUrl(), e.referrer(), e.ip(),
                e.userAgent(), e.clickIds(), contact, e.value(), e.currency(), e.products(),
                orderId instanceof String s && !s.isBlank() ? s : null, person.with(e));
    }

    /** The identifiers an event carries itself: its email hash and the store's user id. */
    public static Contact contactOf(Event e) {
        Contact c = Contact.EMPTY;
        if (e.emailHash() != null) {
            c = c.withEmails(java.util.List.of(e.emailHash()));
        }
        if (e.userId() != null) {
            c = c.withExternalIds(java.util.List.of(e.userId()));
        }
        return c;
    }
}
