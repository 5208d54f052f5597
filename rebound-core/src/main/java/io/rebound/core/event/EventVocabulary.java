package io.rebound.core.event;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps event names from the vocabularies stores already speak — Meta standard events,
 * GA4 ecommerce events and the Segment Ecommerce Spec v2 — onto {@link EventType}.
 * Matching ignores case, spaces and underscores, so {@code view_item}, {@code ViewContent}
 * and {@code Product Viewed} are all recognised. Unknown names are custom events.
 */
public final class EventVocabulary {

    private static final Map<String, EventType> ALIASES = new HashMap<>();
    /** The names exactly as listed: nearly every event is sent so, and is then found without normalising. */
    private static final Map<String, EventType> EXACT = new HashMap<>();

    static {
        for (EventType type : EventType.values()) {
            if (type != EventType.CUSTOM) {
                alias(type.canonicalName(), type);
            }
        }
        // Meta standard events beyond the canonical names.
        alias("AddPaymentInfo", EventType.ADD_PAYMENT_INFO);
        // GA4 recommended ecommerce events.
        alias("page_view", EventType.PAGE_VIEW);
        alias("view_item", EventType.VIEW_CONTENT);
        alias("add_to_cart", EventType.ADD_TO_CART);
        alias("remove_from_cart", EventType.REMOVE_FROM_CART);
        alias("begin_checkout", EventType.INITIATE_CHECKOUT);
        alias("add_payment_info", EventType.ADD_PAYMENT_INFO);
        alias("purchase", EventType.PURCHASE);
        alias("refund", EventType.REFUND);
        alias("search", EventType.SEARCH);
        alias("add_to_wishlist", EventType.ADD_TO_WISHLIST);
        alias("generate_lead", EventType.LEAD);
        alias("sign_up", EventType.COMPLETE_REGISTRATION);
        // Segment Ecommerce Spec v2.
        alias("Product Viewed", EventType.VIEW_CONTENT);
        alias("Product Added", EventType.ADD_TO_CART);
        alias("Product Removed", EventType.REMOVE_FROM_CART);
        alias("Checkout Started", EventType.INITIATE_CHECKOUT);
        alias("Payment Info Entered", EventType.ADD_PAYMENT_INFO);
        alias("Order Completed", EventType.PURCHASE);
        alias("Order Refunded", EventType.REFUND);
        alias("Products Searched", EventType.SEARCH);
        alias("Product Added to Wishlist", EventType.ADD_TO_WISHLIST);
        alias("Signed Up", EventType.COMPLETE_REGISTRATION);
        alias("Page Viewed", EventType.PAGE_VIEW);
    }

    private EventVocabulary() {
    }

    private static void alias(String name, EventType type) {
        ALIASES.put(key(name), type);
        EXACT.put(name, type);
    }

    private static String key(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != ' ' && c != '_' && c != '-') {
                sb.append(c);
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /** The canonical type for {@code name}, or {@link EventType#CUSTOM} when it is not a known alias. */
    public static EventType typeOf(String name) {
        return lookup(name).orElse(EventType.CUSTOM);
    }

    /** The canonical type for {@code name} when it is a known alias of one. */
    public static Optional<EventType> lookup(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        EventType exact = EXACT.get(name);
        return Optional.ofNullable(exact != null ? exact : ALIASES.get(key(name)));
    }
}
