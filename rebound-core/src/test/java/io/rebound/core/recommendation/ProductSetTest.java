package io.rebound.core.recommendation;

import io.rebound.core.event.EventType;
import io.rebound.core.segment.RetainedEvent;
import io.rebound.core.segment.VisitorState;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProductSetTest {

    private static int seq;

    static RetainedEvent event(EventType type, long at, String... products) {
        return new RetainedEvent(RetainedEvent.hashId("e" + (seq++) + "-" + at), at, type, null, List.of(products),
                List.of(), null, null, Map.of());
    }

    private static List<String> ids(List<ProductSet.Item> items) {
        return items.stream().map(ProductSet.Item::productId).toList();
    }

    @Test
    void aProductAddedAndNeitherRemovedNorBoughtIsLeftInTheCart() {
        ProductSet s = ProductSet.of(List.of(
                event(EventType.VIEW_CONTENT, 1, "mat"),
                event(EventType.ADD_TO_CART, 2, "mat"),
                event(EventType.ADD_TO_CART, 3, "block"),
                event(EventType.REMOVE_FROM_CART, 4, "block"),
                event(EventType.VIEW_CONTENT, 5, "strap")));
        assertThat(ids(s.carted())).containsExactly("mat");
        assertThat(ids(s.viewed())).containsExactly("strap");
        assertThat(s.purchased()).isEmpty();
    }

    @Test
    void aPurchaseEmptiesTheCartOfWhatItHeldAndIsNeverViewedAgain() {
        ProductSet s = ProductSet.of(List.of(
                event(EventType.ADD_TO_CART, 1, "mat", "block"),
                event(EventType.PURCHASE, 2, "mat"),
                event(EventType.VIEW_CONTENT, 3, "towel")));
        assertThat(ids(s.carted())).containsExactly("block");
        assertThat(ids(s.viewed())).containsExactly("towel");
        assertThat(ids(s.purchased())).containsExactly("mat");
    }

    @Test
    void aCheckoutCountsAsTheCartAndAddingAgainAfterARemovalPutsItBack() {
        ProductSet s = ProductSet.of(List.of(
                event(EventType.ADD_TO_CART, 1, "mat"),
                event(EventType.REMOVE_FROM_CART, 2, "mat"),
                event(EventType.INITIATE_CHECKOUT, 3, "mat")));
        assertThat(ids(s.carted())).containsExactly("mat");
        assertThat(s.carted().getFirst().atMillis()).isEqualTo(3);
    }

    @Test
    void eachKindKeepsOnlyTheMostRecentProducts() {
        List<RetainedEvent> events = new ArrayList<>();
        for (int i = 0; i < ProductSet.MAX_PER_KIND + 10; i++) {
            events.add(event(EventType.VIEW_CONTENT, i, "p" + i));
        }
        ProductSet s = ProductSet.of(events);
        assertThat(s.viewed()).hasSize(ProductSet.MAX_PER_KIND);
        assertThat(s.viewed().getFirst().productId()).isEqualTo("p" + (ProductSet.MAX_PER_KIND + 9));
    }

    /** The rules hold over any history: no product in two lists, carted and viewed never bought since. */
    @Property
    void cartedViewedAndBoughtFollowTheRules(@ForAll("histories") List<RetainedEvent> history) {
        ProductSet s = ProductSet.of(VisitorState.of(history).events());
        Set<String> carted = new HashSet<>(ids(s.carted()));
        Set<String> viewed = new HashSet<>(ids(s.viewed()));
        assertThat(Collections.disjoint(carted, viewed)).isTrue();
        for (ProductSet.Item i : s.carted()) {
            assertThat(lastCartAction(history, i.productId())).isIn(EventType.ADD_TO_CART,
                    EventType.INITIATE_CHECKOUT, EventType.ADD_PAYMENT_INFO);
        }
        for (ProductSet.Item i : s.viewed()) {
            assertThat(boughtAfterLastView(history, i.productId())).isFalse();
        }
        for (String p : List.of("a", "b", "c", "d")) {
            boolean everBought = history.stream().anyMatch(e -> e.type() == EventType.PURCHASE && e.productIds().contains(p));
            assertThat(s.purchasedIds().contains(p)).isEqualTo(everBought);
        }
    }

    /** The set is a function of the events: the order they arrived in never matters. */
    @Property
    void arrivalOrderNeverMatters(@ForAll("histories") List<RetainedEvent> history) {
        List<RetainedEvent> reversed = new ArrayList<>(history);
        Collections.reverse(reversed);
        assertThat(ProductSet.of(VisitorState.of(reversed).events()))
                .isEqualTo(ProductSet.of(VisitorState.of(history).events()));
    }

    private static EventType lastCartAction(List<RetainedEvent> history, String id) {
        EventType last = null;
        for (RetainedEvent e : VisitorState.of(history).events()) {
            if (e.productIds().contains(id) && e.type() != EventType.VIEW_CONTENT && e.type() != EventType.REFUND) {
                last = e.type();
            }
        }
        return last;
    }

    /** In the state's order (time, then id hash): was the product bought after its last view? */
    private static boolean boughtAfterLastView(List<RetainedEvent> history, String id) {
        boolean bought = false;
        for (RetainedEvent e : VisitorState.of(history).events()) {
            if (e.productIds().contains(id) && e.type() == EventType.VIEW_CONTENT) {
                bought = false;
            } else if (e.productIds().contains(id) && e.type() == EventType.PURCHASE) {
                bought = true;
            }
        }
        return bought;
    }

    @Provide
    Arbitrary<List<RetainedEvent>> histories() {
        Arbitrary<EventType> types = Arbitraries.of(EventType.VIEW_CONTENT, EventType.ADD_TO_CART,
                EventType.REMOVE_FROM_CART, EventType.INITIATE_CHECKOUT, EventType.PURCHASE, EventType.REFUND);
        Arbitrary<List<String>> products = Arbitraries.of("a", "b", "c", "d").list().ofMinSize(1).ofMaxSize(3).uniqueElements();
        // Ids are unique, as event ids are: the same id twice is one event delivered twice.
        Arbitrary<RetainedEvent> event = Combinators.combine(types, Arbitraries.longs().between(0, 30), products)
                .as((t, at, p) -> new RetainedEvent(0, at, t, null, p, List.of(), null, null, Map.of()));
        return event.list().ofMaxSize(25).map(list -> {
            List<RetainedEvent> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                RetainedEvent e = list.get(i);
                out.add(new RetainedEvent(RetainedEvent.hashId("id" + i), e.timeMillis(), e.type(), null,
                        e.productIds(), List.of(), null, null, Map.of()));
            }
            return out;
        });
    }
}
