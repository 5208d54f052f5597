package io.rebound.core.campaign;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What kind of remarketing flow a campaign is: the four of issue 14 as data, run by one engine
 * (the email flow worker and the decision API). Every flow is "the members of a segment, a touch
 * {@code after_hours} after they joined"; the kinds differ only in what a purchase means, which
 * products the email shows, the wording around them and the segment they are meant for.
 *
 * <ul>
 *   <li>{@link #ABANDONED_CART}: added to the cart, did not buy (template {@code cart_abandoners}).</li>
 *   <li>{@link #BROWSE_ABANDONMENT}: viewed products, did not add them (template {@code product_viewers}).</li>
 *   <li>{@link #POST_PURCHASE}: bought; cross-sell products that go with the order (template
 *       {@code past_purchasers}). The purchase is what starts it, so a purchase does not end it.</li>
 *   <li>{@link #WIN_BACK}: bought once, not for a long time (a past-purchasers segment excluding recent
 *       purchases). A new purchase is the win: it ends the flow.</li>
 * </ul>
 */
public enum Flow {
    ABANDONED_CART(true, "You left these in your cart:"),
    BROWSE_ABANDONMENT(true, "Still looking? Here is what you were browsing:"),
    POST_PURCHASE(false, "Thank you for your order. These go well with it:"),
    WIN_BACK(true, "It has been a while. Here is what is new for you:");

    private final String wireName = name().toLowerCase(Locale.ROOT);
    private final boolean exitsOnPurchase;
    private final String intro;

    Flow(boolean exitsOnPurchase, String intro) {
        this.exitsOnPurchase = exitsOnPurchase;
        this.intro = intro;
    }

    /** The name in the campaign JSON: the constant's name in lower case. */
    public String wireName() {
        return wireName;
    }

    /**
     * True for the abandoner flows (and win-back): a purchase at or after joining the segment ends
     * every touch and offer of the campaign ({@code converted}). False for post-purchase, which a
     * purchase starts.
     */
    public boolean exitsOnPurchase() {
        return exitsOnPurchase;
    }

    /** The line the email puts above the products. */
    public String intro() {
        return intro;
    }

    /** True when the email shows products chosen to go with the person's order, not the ones they left. */
    public boolean crossSells() {
        return this == POST_PURCHASE;
    }

    public static Optional<Flow> ofWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst();
    }
}
