package io.rebound.core.recommendation;

import io.rebound.core.event.EventType;
import io.rebound.core.segment.RetainedEvent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The products a person's events tell about, each with the time of the event that put it there:
 * <ul>
 *   <li><b>carted</b>: left in the cart — the product's latest cart event is an add
 *       ({@code AddToCart}, or a checkout step: {@code InitiateCheckout}, {@code AddPaymentInfo}
 *       carry the cart's contents), not followed by a {@code RemoveFromCart} of it or a
 *       {@code Purchase} holding it;</li>
 *   <li><b>viewed</b>: a {@code ViewContent} of it, not carted now and not bought after the view;</li>
 *   <li><b>purchased</b>: in any {@code Purchase} (a refund does not undo it: a person who returned a
 *       product is not shown it again either).</li>
 * </ul>
 * Each list is most recent first, at most {@value #MAX_PER_KIND} products; a product is in at most
 * one of carted and viewed. Events at the same millisecond count in the order the state keeps them
 * (event time, then id hash), so the set is a function of the events, whatever their arrival order.
 *
 * @param carted    products left in the cart
 * @param viewed    products viewed, neither in the cart nor bought since
 * @param purchased products bought
 */
public record ProductSet(List<Item> carted, List<Item> viewed, List<Item> purchased) {

    /** Products kept per kind at most: the most recent ones. */
    public static final int MAX_PER_KIND = 50;

    public static final ProductSet EMPTY = new ProductSet(List.of(), List.of(), List.of());

    /**
     * A product and the time of the event that put it in its list.
     *
     * @param productId the product id the events sent
     * @param atMillis  the event time, epoch milliseconds
     */
    public record Item(String productId, long atMillis) {
    }

    public ProductSet {
        carted = List.copyOf(carted);
        viewed = List.copyOf(viewed);
        purchased = List.copyOf(purchased);
    }

    /** The product set of a person whose retained events are {@code events}, oldest first. */
    public static ProductSet of(List<RetainedEvent> events) {
        Map<String, Long> cartAdd = new HashMap<>();
        Map<String, Long> view = new HashMap<>();
        Map<String, Long> bought = new HashMap<>();
        for (RetainedEvent e : events) {
            EventType t = e.type();
            for (String id : e.productIds()) {
                if (id == null || id.isEmpty()) {
                    continue;
                }
                switch (t) {
                    case ADD_TO_CART, INITIATE_CHECKOUT, ADD_PAYMENT_INFO -> cartAdd.put(id, e.timeMillis());
                    case REMOVE_FROM_CART -> cartAdd.remove(id);
                    case PURCHASE -> {
                        cartAdd.remove(id);
                        view.remove(id);
                        bought.put(id, e.timeMillis());
                    }
                    case VIEW_CONTENT -> view.put(id, e.timeMillis());
                    default -> {
                    }
                }
            }
        }
        view.keySet().removeAll(cartAdd.keySet());
        return new ProductSet(recent(cartAdd), recent(view), recent(bought));
    }

    private static List<Item> recent(Map<String, Long> at) {
        List<Item> out = new ArrayList<>(at.size());
        at.forEach((id, t) -> out.add(new Item(id, t)));
        out.sort(Comparator.comparingLong(Item::atMillis).reversed().thenComparing(Item::productId));
        return out.size() <= MAX_PER_KIND ? out : out.subList(0, MAX_PER_KIND);
    }

    /** The ids of the products bought. */
    public Set<String> purchasedIds() {
        return purchased.stream().map(Item::productId).collect(Collectors.toUnmodifiableSet());
    }

    public boolean isEmpty() {
        return carted.isEmpty() && viewed.isEmpty() && purchased.isEmpty();
    }
}
