package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentTemplates.Scope;
import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.MiniJson;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class QualifyingActionTest {

    private static final Instant NOW = Instant.parse("2026-03-20T12:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    private static VisitorState state(Event... events) {
        VisitorState s = VisitorState.EMPTY;
        for (Event e : events) {
            s = s.add(e);
        }
        return s;
    }

    private static Instant ago(Duration d) {
        return NOW.minus(d);
    }

    /** As VisitorStateTest's (a core test, out of reach from this module). */
    private static Event event(String id, EventType type, Instant t, String... products) {
        return Event.builder("st", id, type, t, t).anonymousId("a1")
                .products(java.util.Arrays.stream(products).map(Product::of).toList()).build();
    }

    private static SegmentDefinition parse(String compact) {
        Map<String, Object> json = MiniJson.parse(compact);
        json.put("name", "test");
        return SegmentDefinitions.parse(json);
    }

    @Test
    void productViewersKeyOnTheLastViewOfTheirProduct() {
        QualifyingAction action = QualifyingAction.of(SegmentTemplates.productViewers(14, new Scope("mat", null)));
        VisitorState s = state(event("1", EventType.VIEW_CONTENT, ago(DAY.multipliedBy(9)), "mat"),
                event("2", EventType.VIEW_CONTENT, ago(DAY.multipliedBy(4)), "mat"),
                event("3", EventType.VIEW_CONTENT, ago(DAY), "block"),
                event("4", EventType.ADD_TO_CART, ago(Duration.ofHours(2)), "mat"));
        assertThat(action.name()).isEqualTo("product view");
        assertThat(action.window()).isEqualTo(Duration.ofDays(14));
        assertThat(action.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(4)));
    }

    @Test
    void cartAbandonersKeyOnTheLastAddToCartAndPastPurchasersOnTheLastPurchase() {
        VisitorState s = state(event("1", EventType.ADD_TO_CART, ago(DAY.multipliedBy(6))),
                event("2", EventType.ADD_TO_CART, ago(DAY.multipliedBy(3))),
                event("3", EventType.PURCHASE, ago(DAY.multipliedBy(20))),
                event("4", EventType.PURCHASE, ago(DAY.multipliedBy(40))));
        QualifyingAction abandoners = QualifyingAction.of(SegmentTemplates.cartAbandoners(7, Scope.STORE));
        assertThat(abandoners.name()).isEqualTo("add to cart");
        assertThat(abandoners.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(3)));
        QualifyingAction purchasers = QualifyingAction.of(SegmentTemplates.pastPurchasers(30, Scope.STORE));
        assertThat(purchasers.name()).isEqualTo("purchase");
        assertThat(purchasers.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(20)));
        assertThat(purchasers.latest(s, NOW.plus(DAY.multipliedBy(10)))).isEmpty();
    }

    @Test
    void onlyEventsInTheWindowAtNowCount() {
        QualifyingAction action = QualifyingAction.of(SegmentTemplates.pastPurchasers(7, Scope.STORE));
        // Exactly a window old: counted on (t, t + 7 d), so no longer at now.
        assertThat(action.latest(state(event("1", EventType.PURCHASE, ago(Duration.ofDays(7)))), NOW)).isEmpty();
        Instant young = ago(Duration.ofDays(7)).plusMillis(1);
        assertThat(action.latest(state(event("1", EventType.PURCHASE, young)), NOW)).hasValue(young);
        // A future-dated event counts from its time on, not before.
        VisitorState future = state(event("1", EventType.PURCHASE, ago(DAY)), event("2", EventType.PURCHASE, NOW.plusSeconds(60)));
        assertThat(action.latest(future, NOW)).hasValue(ago(DAY));
        assertThat(action.latest(future, NOW.plusSeconds(60))).hasValue(NOW.plusSeconds(60));
        assertThat(action.latest(VisitorState.EMPTY, NOW)).isEmpty();
    }

    @Test
    void theDiscountOfferKeysOnTheAddToCartItIncludesNotTheOneItExcludes() {
        QualifyingAction action = QualifyingAction.of(SegmentTemplates.abandonerOffer(Scope.STORE));
        assertThat(action.window()).isEqualTo(Duration.ofDays(SegmentTemplates.OFFER_DAYS));
        VisitorState s = state(event("1", EventType.ADD_TO_CART, ago(DAY.multipliedBy(5))));
        assertThat(action.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(5)));
    }

    @Test
    void ofSeveralIncludeConditionsTheShortestWindowIsTheAction() {
        SegmentDefinition d = parse("{include:[{event:Purchase,within_days:365},{event:ViewContent,within_days:7}]}");
        QualifyingAction action = QualifyingAction.of(d);
        assertThat(action.condition()).isEqualTo(d.include().get(1));
        assertThat(action.name()).isEqualTo("product view");
        VisitorState s = state(event("1", EventType.VIEW_CONTENT, ago(DAY.multipliedBy(5))),
                event("2", EventType.PURCHASE, ago(DAY)));
        assertThat(action.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(5)));
        // As short: the first written.
        SegmentDefinition tie = parse("{include:[{event:AddToCart,within_days:7},{event:ViewContent,within_hours:168}]}");
        assertThat(QualifyingAction.of(tie).condition()).isEqualTo(tie.include().getFirst());
    }

    @Test
    void anAnyGroupTakesTheLatestOfItsAlternativesEachInItsOwnWindow() {
        SegmentDefinition d = parse("{include:[{any:[{event:AddToCart,within_days:2},{event:Wishlisted,within_days:5}]},"
                + "{event:PageView,within_days:6}]}");
        QualifyingAction action = QualifyingAction.of(d);
        assertThat(action.window()).isEqualTo(Duration.ofDays(5));
        assertThat(action.name()).isEqualTo("add to cart or Wishlisted");
        Event wished = Event.builder("st", "w", EventType.CUSTOM, ago(DAY.multipliedBy(4)), ago(DAY.multipliedBy(4)))
                .anonymousId("a1").name("wishlisted").build();
        // The add to cart 3 days ago is past its 2-day window; the wish 4 days ago is within its 5.
        VisitorState s = state(event("1", EventType.ADD_TO_CART, ago(DAY.multipliedBy(3))), wished);
        assertThat(action.latest(s, NOW)).hasValue(ago(DAY.multipliedBy(4)));
        VisitorState both = s.add(event("2", EventType.ADD_TO_CART, ago(Duration.ofHours(5))));
        assertThat(action.latest(both, NOW)).hasValue(ago(Duration.ofHours(5)));
    }

    @Test
    void aCountThresholdDecidesMembershipNotWhichEventIsTheAction() {
        SegmentDefinition d = parse("{include:[{event:ViewContent,within_days:3,min_count:2}]}");
        VisitorState once = state(event("1", EventType.VIEW_CONTENT, ago(DAY)));
        assertThat(SegmentEvaluator.evaluate(d, once, NOW).member()).isFalse();
        assertThat(QualifyingAction.of(d).latest(once, NOW)).hasValue(ago(DAY));
    }

    // ---- generated persons ---------------------------------------------------------------------

    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    private static final List<SegmentDefinition> DEFINITIONS = definitions();

    private static List<SegmentDefinition> definitions() {
        List<SegmentDefinition> out = new ArrayList<>(DifferentialScenario.segments().values());
        out.add(parse("{include:[{event:Purchase,within_days:20,min_count:2},"
                + "{event:ViewContent,within_days:2,where:{product_id:[p1,p2]}}]}"));
        out.add(parse("{include:[{any:[{event:AddToCart,within_hours:30},{event:Quiz,within_days:3}]},"
                + "{event:PageView,within_days:3}],exclude:[{event:Purchase,within_days:1,since:last_include}]}"));
        out.add(parse("{include:[{event:AddToCart,within_days:5,sum_value_gte:60},{any:[{event:InitiateCheckout,"
                + "within_hours:12},{event:ViewContent,within_days:1,where:{color:red}}]}]}"));
        return out;
    }

    @Property(tries = 2000)
    void aMemberAlwaysHasAQualifyingActionWithinTheWindow(@ForAll long seed) {
        Random r = new Random(seed);
        SegmentDefinition d = DEFINITIONS.get(r.nextInt(DEFINITIONS.size()));
        List<Event> events = events(r);
        VisitorState s = state(events.toArray(Event[]::new));
        Instant now = instant(r, events, d);
        QualifyingAction action = QualifyingAction.of(d);
        Optional<Instant> latest = action.latest(s, now);
        if (SegmentEvaluator.evaluate(d, s, now).member()) {
            assertThat(latest).isPresent();
            assertThat(latest.get()).isBeforeOrEqualTo(now).isAfter(now.minus(action.window()));
        }
    }

    @Property(tries = 2000)
    void theActionIsTheNewestEventThatCountsForTheCondition(@ForAll long seed) {
        Random r = new Random(seed);
        SegmentDefinition d = DEFINITIONS.get(r.nextInt(DEFINITIONS.size()));
        List<Event> events = events(r);
        VisitorState s = state(events.toArray(Event[]::new));
        Instant now = instant(r, events, d);
        QualifyingAction action = QualifyingAction.of(d);

        Optional<Instant> expected = reference(d, s, now);
        assertThat(action.latest(s, now)).isEqualTo(expected);
        assertThat(action.latest(VisitorStateCodec.decode(VisitorStateCodec.encode(s)), now))
                .as("decoded lazily").isEqualTo(expected);
        // With thresholds lifted, the condition alone holds exactly when there is an action.
        Condition lifted = lift(action.condition());
        boolean holds = SegmentEvaluator.evaluate(new SegmentDefinition("alone", List.of(lifted), List.of()), s, now)
                .member();
        assertThat(holds).isEqualTo(expected.isPresent());
    }

    /** Brute force over every event: the include with the shortest window, its newest event counting at now. */
    private static Optional<Instant> reference(SegmentDefinition d, VisitorState s, Instant now) {
        Condition chosen = null;
        long shortest = Long.MAX_VALUE;
        for (Condition c : d.include()) {
            long w = c.leaves().stream().mapToLong(l -> l.window().millis()).max().orElseThrow();
            if (w < shortest) {
                shortest = w;
                chosen = c;
            }
        }
        long t = now.toEpochMilli();
        Optional<Instant> best = Optional.empty();
        for (RetainedEvent e : s.events()) {
            for (EventCondition leaf : chosen.leaves()) {
                if (leaf.matches(e) && e.timeMillis() <= t && e.timeMillis() > t - leaf.window().millis()
                        && (best.isEmpty() || e.time().isAfter(best.get()))) {
                    best = Optional.of(e.time());
                }
            }
        }
        return best;
    }

    private static Condition lift(Condition c) {
        List<EventCondition> leaves = c.leaves().stream()
                .map(l -> new EventCondition(l.type(), l.customName(), l.window(), l.where(), 1, null, null)).toList();
        return c instanceof AnyCondition ? new AnyCondition(leaves) : leaves.getFirst();
    }

    /** An exact window end of an event for one of the definition's include conditions (± 1 ms), or any instant. */
    private static Instant instant(Random r, List<Event> events, SegmentDefinition d) {
        if (r.nextInt(3) == 0 || events.isEmpty()) {
            return START.plusMillis(r.nextLong(Duration.ofDays(25).toMillis()));
        }
        List<EventCondition> leaves = d.include().stream().flatMap(c -> c.leaves().stream()).toList();
        EventCondition leaf = leaves.get(r.nextInt(leaves.size()));
        Instant t = events.get(r.nextInt(events.size())).eventTime();
        return (r.nextBoolean() ? t : t.plus(leaf.window().duration())).plusMillis(r.nextInt(3) - 1);
    }

    private static List<Event> events(Random r) {
        List<Event> out = new ArrayList<>();
        int n = r.nextInt(30);
        for (int i = 0; i < n; i++) {
            long offset = r.nextLong(Duration.ofDays(20).toMillis());
            if (r.nextInt(10) < 4) {
                offset -= offset % Duration.ofHours(1).toMillis();
            }
            out.add(randomEvent(r, i, START.plusMillis(offset)));
        }
        out.sort(Comparator.comparing(Event::eventTime));
        return out;
    }

    private static Event randomEvent(Random r, int i, Instant time) {
        int k = r.nextInt(100);
        EventType type = k < 30 ? EventType.VIEW_CONTENT : k < 55 ? EventType.ADD_TO_CART : k < 72 ? EventType.PURCHASE
                : k < 80 ? EventType.INITIATE_CHECKOUT : k < 90 ? EventType.PAGE_VIEW : EventType.CUSTOM;
        Event.Builder b = Event.builder("st", "e" + i, type, time, time).anonymousId("a1")
                .name(type == EventType.CUSTOM ? (r.nextBoolean() ? "Wishlisted" : "Quiz") : null);
        int p = r.nextInt(6);
        if (r.nextInt(10) > 0) {
            b.products(List.of(new Product("p" + p, "c" + (p % 3), null, 1)));
        }
        if (type == EventType.PURCHASE || r.nextInt(3) == 0) {
            b.value(BigDecimal.valueOf(500 + r.nextInt(15_000), 2)).currency(r.nextInt(4) == 0 ? "EUR" : "USD");
        }
        Map<String, Object> props = new HashMap<>();
        if (r.nextBoolean()) {
            props.put("color", r.nextBoolean() ? "red" : "blue");
        }
        if (r.nextBoolean()) {
            props.put("size", r.nextInt(6));
        }
        return b.properties(props).build();
    }
}
