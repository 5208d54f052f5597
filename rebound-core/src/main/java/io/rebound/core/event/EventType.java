package io.rebound.core.event;

/**
 * The canonical event types every vocabulary (Meta standard events, GA4 ecommerce,
 * Segment Ecommerce Spec v2) is mapped onto. Names follow Meta's standard events because
 * that is the vocabulary store owners already know; {@link #CUSTOM} keeps any other name.
 */
public enum EventType {
    PAGE_VIEW("PageView"),
    VIEW_CONTENT("ViewContent"),
    ADD_TO_CART("AddToCart"),
    REMOVE_FROM_CART("RemoveFromCart"),
    INITIATE_CHECKOUT("InitiateCheckout"),
    ADD_PAYMENT_INFO("AddPaymentInfo"),
    PURCHASE("Purchase"),
    REFUND("Refund"),
    SEARCH("Search"),
    ADD_TO_WISHLIST("AddToWishlist"),
    LEAD("Lead"),
    COMPLETE_REGISTRATION("CompleteRegistration"),
    IDENTIFY("Identify"),
    CUSTOM("Custom");

    private final String canonicalName;

    EventType(String canonicalName) {
        this.canonicalName = canonicalName;
    }

    /** The name shown in the API and the dashboard, e.g. {@code AddToCart}. */
    public String canonicalName() {
        return canonicalName;
    }
}
