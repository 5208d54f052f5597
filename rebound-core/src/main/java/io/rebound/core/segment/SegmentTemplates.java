package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in segments for the three core retargeting audiences and the two steps of discount
 * sequencing, instantiated per store and optionally narrowed to one product or category.
 * Each returns an ordinary {@link SegmentDefinition}; the store owner may edit it afterwards.
 */
public final class SegmentTemplates {

    /** Template ids as the API names them. */
    public static final List<String> IDS =
            List.of("product_viewers", "cart_abandoners", "past_purchasers", "abandoner_reminder", "abandoner_offer");

    /** Discount sequencing: a cart is "recently abandoned" (reminder) for this many days, then "offer". */
    public static final int REMINDER_DAYS = 3;
    /** Discount sequencing: the offer stops this many days after the last add-to-cart. */
    public static final int OFFER_DAYS = 14;

    /**
     * Narrows a template to one product or one category; both null means the whole store.
     *
     * @param productId catalog product id, or null
     * @param category  product category, or null
     */
    public record Scope(String productId, String category) {
        public static final Scope STORE = new Scope(null, null);

        Filter[] filters() {
            List<Filter> out = new ArrayList<>();
            if (productId != null) {
                out.add(Filter.eq(Filter.PRODUCT_ID, productId));
            }
            if (category != null) {
                out.add(Filter.eq(Filter.CATEGORY, category));
            }
            return out.toArray(Filter[]::new);
        }

        String suffix() {
            return productId != null ? " — " + productId : category != null ? " — " + category : "";
        }
    }

    private SegmentTemplates() {
    }

    /**
     * Viewed (the product) within {@code days} and did not add (it) to cart within the same days.
     * The exclusion uses the same product scope: adding a different product does not stop an ad for
     * the one viewed. Default 14 days.
     */
    public static SegmentDefinition productViewers(int days, Scope scope) {
        Window w = Window.days(days);
        return new SegmentDefinition("Product viewers without add-to-cart (" + days + " days)" + scope.suffix(),
                List.of(EventCondition.of(EventType.VIEW_CONTENT, w).where(scope.filters())),
                List.of(EventCondition.of(EventType.ADD_TO_CART, w).where(scope.filters())));
    }

    /**
     * Added (the product) to cart within {@code days} and made no purchase since that add — any
     * purchase after the latest add counts, because order lines are often not sent. Default 7 days.
     */
    public static SegmentDefinition cartAbandoners(int days, Scope scope) {
        Window w = Window.days(days);
        return new SegmentDefinition("Cart abandoners (" + days + " days)" + scope.suffix(),
                List.of(EventCondition.of(EventType.ADD_TO_CART, w).where(scope.filters())),
                List.of(EventCondition.of(EventType.PURCHASE, w).sinceLastInclude()));
    }

    /** Purchased (the product) within {@code days}. Default 30 days. */
    public static SegmentDefinition pastPurchasers(int days, Scope scope) {
        return new SegmentDefinition("Past purchasers (" + days + " days)" + scope.suffix(),
                List.of(EventCondition.of(EventType.PURCHASE, Window.days(days)).where(scope.filters())),
                List.of());
    }

    /**
     * Discount sequencing, step 1 ("reminder"): the latest add-to-cart is 0–2 days old (younger than
     * {@value #REMINDER_DAYS} days) and nothing was bought since. Gets a plain reminder, no discount.
     */
    public static SegmentDefinition abandonerReminder(Scope scope) {
        Window w = Window.days(REMINDER_DAYS);
        return new SegmentDefinition("Abandoned cart — step 1: reminder (0–2 days)" + scope.suffix(),
                List.of(EventCondition.of(EventType.ADD_TO_CART, w).where(scope.filters())),
                List.of(EventCondition.of(EventType.PURCHASE, w).sinceLastInclude()));
    }

    /**
     * Discount sequencing, step 2 ("offer"): the <em>latest</em> add-to-cart is 3–13 days old (at least
     * {@value #REMINDER_DAYS} days, younger than {@value #OFFER_DAYS}) and nothing was bought since.
     * Expressed as: added within 14 days, excluding anyone who added within 3 days, excluding anyone who
     * bought since the latest add. Adding to cart again restarts the sequence (back to the reminder):
     * a shopper who is still active has not abandoned, and an offer only goes to someone who saw the
     * reminder and stayed away — the two steps never overlap.
     */
    public static SegmentDefinition abandonerOffer(Scope scope) {
        return new SegmentDefinition("Abandoned cart — step 2: offer (3–14 days)" + scope.suffix(),
                List.of(EventCondition.of(EventType.ADD_TO_CART, Window.days(OFFER_DAYS)).where(scope.filters())),
                List.of(EventCondition.of(EventType.ADD_TO_CART, Window.days(REMINDER_DAYS)).where(scope.filters()),
                        EventCondition.of(EventType.PURCHASE, Window.days(OFFER_DAYS)).sinceLastInclude()));
    }

    /**
     * Instantiates a template by id ({@link #IDS}); {@code days} null means the template's default.
     * Throws {@link InvalidSegmentException} for an unknown id or a window out of range.
     */
    public static SegmentDefinition instantiate(String templateId, Integer days, Scope scope) {
        Scope s = scope == null ? Scope.STORE : scope;
        if (days != null && (days < 1 || days > Window.MAX_DAYS)) {
            throw new InvalidSegmentException("days", "must be a whole number from 1 to " + Window.MAX_DAYS);
        }
        return switch (templateId == null ? "" : templateId) {
            case "product_viewers" -> productViewers(days == null ? 14 : days, s);
            case "cart_abandoners" -> cartAbandoners(days == null ? 7 : days, s);
            case "past_purchasers" -> pastPurchasers(days == null ? 30 : days, s);
            case "abandoner_reminder" -> abandonerReminder(s);
            case "abandoner_offer" -> abandonerOffer(s);
            default -> throw new InvalidSegmentException("template", "must be one of " + IDS);
        };
    }
}
