package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
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

    /** Meta limits custom event names to 50 characters; TikTok's are shorter in practice. */
    public static final int MAX_MEMBERSHIP_EVENT_NAME = 40;

    /**
     * The custom event a segment join is sent as: {@code Rebound_} and the segment's name with every run of
     * characters other than ASCII letters and digits made one underscore, at most
     * {@value #MAX_MEMBERSHIP_EVENT_NAME} characters ({@code "Cart abandoners (7 d)"} →
     * {@code Rebound_Cart_abandoners_7_d}). A platform's website-audience rule selects the segment's
     * members by this name.
     */
    public static String membershipEventName(String segmentName) {
        String body = segmentName == null ? "" : segmentName.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_+|_+$", "");
        String name = "Rebound_" + (body.isEmpty() ? "segment" : body);
        return name.length() > MAX_MEMBERSHIP_EVENT_NAME ? name.substring(0, MAX_MEMBERSHIP_EVENT_NAME) : name;
    }

    /**
     * The membership event of a person joining a segment at {@code at}, carrying the browser context of
     * their latest event (page, user agent, IP, click ids) so the platform can match an anonymous visitor.
     *
     * @param eventId  unique per join (a resend of the same join is deduplicated by the platform)
     * @param latest   the person's latest event, or null when none is kept
     */
    public static ServerEvent membershipEvent(String eventId, String segmentName, Instant at, Event latest,
                                              Contact contact, AdConsent consent) {
        return new ServerEvent(eventId, EventType.CUSTOM, membershipEventName(segmentName), at,
                latest == null ? null : latest.pageUrl(), null, latest == null ? null : latest.ip(),
                latest == null ? null : latest.userAgent(), latest == null ? null : latest.clickIds(), contact, null, null,
                List.of(), null, consent);
    }

    /** The identifiers an event carries itself: its email hash (with Google's, when it has one) and the store's user id. */
    public static Contact contactOf(Event e) {
        Contact c = Contact.EMPTY;
        if (e.emailHash() != null) {
            c = c.withEmails(java.util.List.of(e.emailHash()));
            if (e.googleEmailHash() != null) {
                c = c.withGoogleEmails(java.util.Map.of(e.emailHash(), e.googleEmailHash()));
            }
        }
        if (e.userId() != null) {
            c = c.withExternalIds(java.util.List.of(e.userId()));
        }
        return c;
    }
}
