package io.rebound.core.activation;

import io.rebound.core.event.EventType;

/**
 * The event name each platform's conversions API expects for a canonical event type. Meta's names
 * are Rebound's canonical ones; TikTok calls a purchase {@code CompletePayment}; Pinterest accepts
 * only its own lower-case set ({@code add_to_cart, checkout, custom, lead, page_visit, search,
 * signup, view_category, watch_video}), so everything else is {@code custom} there. Google's
 * Data Manager events carry no name: the conversion action in the destination says what they are.
 */
public final class EventNames {

    private EventNames() {
    }

    /** The name to send for {@code event} to {@code platform}; null for Google. */
    public static String of(Platform platform, ServerEvent event) {
        return switch (platform) {
            case META -> event.type() == EventType.CUSTOM ? event.name() : event.type().canonicalName();
            case TIKTOK -> tiktok(event);
            case PINTEREST -> pinterest(event.type());
            case GOOGLE -> null;
        };
    }

    private static String tiktok(ServerEvent event) {
        return switch (event.type()) {
            case PURCHASE -> "CompletePayment";
            case LEAD -> "SubmitForm";
            case CUSTOM -> event.name();
            default -> event.type().canonicalName();
        };
    }

    private static String pinterest(EventType type) {
        return switch (type) {
            case PAGE_VIEW, VIEW_CONTENT -> "page_visit";
            case ADD_TO_CART -> "add_to_cart";
            case PURCHASE -> "checkout";
            case SEARCH -> "search";
            case LEAD -> "lead";
            case COMPLETE_REGISTRATION -> "signup";
            default -> "custom";
        };
    }
}
