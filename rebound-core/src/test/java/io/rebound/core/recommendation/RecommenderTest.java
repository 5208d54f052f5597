package io.rebound.core.recommendation;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.EventType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.rebound.core.recommendation.ProductSetTest.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecommenderTest {

    static CatalogProduct product(String id, String price, String cost, Availability availability, Long inventory) {
        return CatalogProduct.builder(id).title(id).description(id).link("https://shop.example/" + id)
                .imageLink("https://shop.example/" + id + ".jpg").price(new BigDecimal(price), "USD")
                .cost(cost == null ? null : new BigDecimal(cost)).availability(availability).inventory(inventory)
                .build();
    }

    private static final Map<String, List<String>> COMPLEMENTS = Map.of("mat", List.of("block", "strap"));
    private static final Map<String, List<String>> CO_PURCHASED = Map.of("mat", List.of("strap", "towel"));

    @Test
    void theSeedsYogaMatBuyerIsShownTheBlockAndTheStrapThenWhatOthersBoughtWithIt() {
        ProductSet set = ProductSet.of(List.of(event(EventType.PURCHASE, 1, "mat")));
        List<Recommendation> c = Recommender.candidates(set, id -> COMPLEMENTS.getOrDefault(id, List.of()),
                id -> CO_PURCHASED.getOrDefault(id, List.of()));
        assertThat(c).containsExactly(
                new Recommendation("block", Recommendation.Reason.COMPLEMENT, "mat"),
                new Recommendation("strap", Recommendation.Reason.COMPLEMENT, "mat"),
                new Recommendation("towel", Recommendation.Reason.CO_PURCHASED, "mat"));
    }

    @Test
    void theCartComesFirstThenViewsThenWhatGoesWithPurchases() {
        ProductSet set = ProductSet.of(List.of(event(EventType.PURCHASE, 1, "mat"),
                event(EventType.VIEW_CONTENT, 2, "towel"), event(EventType.ADD_TO_CART, 3, "block")));
        List<Recommendation> c = Recommender.candidates(set, id -> COMPLEMENTS.getOrDefault(id, List.of()),
                id -> CO_PURCHASED.getOrDefault(id, List.of()));
        assertThat(c).extracting(Recommendation::productId).containsExactly("block", "towel", "strap");
        assertThat(c).extracting(Recommendation::reason).containsExactly(Recommendation.Reason.CARTED,
                Recommendation.Reason.VIEWED, Recommendation.Reason.COMPLEMENT);
    }

    @Test
    void selectDropsWhatIsNotInTheCatalogOutOfStockOrBelowTheMarginFloor() {
        Map<String, CatalogProduct> catalog = Map.of(
                "block", product("block", "20.00", "15.00", Availability.IN_STOCK, null),
                "strap", product("strap", "12.00", "3.00", Availability.IN_STOCK, 0L),
                "towel", product("towel", "30.00", "6.00", Availability.IN_STOCK, 4L));
        List<Recommendation> candidates = List.of(
                new Recommendation("gone", Recommendation.Reason.VIEWED, null),
                new Recommendation("block", Recommendation.Reason.COMPLEMENT, "mat"),
                new Recommendation("strap", Recommendation.Reason.COMPLEMENT, "mat"),
                new Recommendation("towel", Recommendation.Reason.CO_PURCHASED, "mat"));
        MerchantRules rules = new MerchantRules(true, new BigDecimal("50"));
        assertThat(Recommender.select(candidates, catalog, rules, Set.of(), 10))
                .extracting(Recommendation::productId).containsExactly("towel");
        assertThat(Recommender.select(candidates, catalog, new MerchantRules(false, null), Set.of("block"), 10))
                .extracting(Recommendation::productId).containsExactly("strap", "towel");
    }

    @Test
    void marginIsOfTheSalePriceAndAProductWithoutACostFailsAnyFloor() {
        CatalogProduct onSale = CatalogProduct.builder("mat").title("Mat").description("Mat")
                .link("https://shop.example/mat").imageLink("https://shop.example/mat.jpg")
                .price(new BigDecimal("100.00"), "USD").salePrice(new BigDecimal("50.00")).cost(new BigDecimal("30.00"))
                .availability(Availability.IN_STOCK).build();
        assertThat(MerchantRules.marginPercent(onSale)).contains(new BigDecimal("40.0000"));
        assertThat(new MerchantRules(true, new BigDecimal("40")).allows(onSale)).isTrue();
        assertThat(new MerchantRules(true, new BigDecimal("40.01")).allows(onSale)).isFalse();
        CatalogProduct noCost = product("x", "10.00", null, Availability.IN_STOCK, null);
        assertThat(new MerchantRules(true, BigDecimal.ZERO).allows(noCost)).isFalse();
        assertThat(MerchantRules.DEFAULT.allows(noCost)).isTrue();
        assertThatThrownBy(() -> new MerchantRules(true, new BigDecimal("101"))).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Over any person, catalog and rules: nothing bought, nothing out of the catalog, nothing out of
     * stock when in-stock-only, nothing below the floor, no product twice, never over the limit.
     */
    @Property
    void selectionNeverBreaksAMerchantRule(@ForAll("histories") List<io.rebound.core.segment.RetainedEvent> history,
                                           @ForAll("catalogs") Map<String, CatalogProduct> catalog,
                                           @ForAll boolean inStockOnly,
                                           @ForAll("floors") Optional<BigDecimal> floor,
                                           @ForAll @IntRange(min = 1, max = 8) int limit) {
        ProductSet set = ProductSet.of(io.rebound.core.segment.VisitorState.of(history).events());
        Map<String, List<String>> complements = Map.of("a", List.of("b", "c", "e"), "b", List.of("a", "f"));
        Map<String, List<String>> co = Map.of("a", List.of("d", "f"), "c", List.of("a", "b", "e"));
        MerchantRules rules = new MerchantRules(inStockOnly, floor.orElse(null));
        List<Recommendation> picked = Recommender.select(
                Recommender.candidates(set, id -> complements.getOrDefault(id, List.of()),
                        id -> co.getOrDefault(id, List.of())), catalog, rules, set.purchasedIds(), limit);
        assertThat(picked.size()).isLessThanOrEqualTo(limit);
        Set<String> ids = new HashSet<>();
        for (Recommendation r : picked) {
            assertThat(ids.add(r.productId())).as("once").isTrue();
            assertThat(set.purchasedIds()).doesNotContain(r.productId());
            CatalogProduct p = catalog.get(r.productId());
            assertThat(p).isNotNull();
            if (inStockOnly) {
                assertThat(p.availability()).isEqualTo(Availability.IN_STOCK);
                assertThat(p.inventory() == null || p.inventory() > 0).isTrue();
            }
            floor.ifPresent(f -> {
                assertThat(p.cost()).isNotNull();
                BigDecimal price = p.currentPrice();
                // (price − cost) ≥ floor% × price, checked without division.
                assertThat(price.subtract(p.cost()).multiply(BigDecimal.valueOf(100))
                        .compareTo(f.multiply(price))).isGreaterThanOrEqualTo(0);
            });
            if (r.reason() == Recommendation.Reason.COMPLEMENT || r.reason() == Recommendation.Reason.CO_PURCHASED) {
                assertThat(set.purchasedIds()).contains(r.relatedTo());
            }
        }
    }

    /** Every allowed candidate up to the limit is shown: the rules leave out nothing they allow. */
    @Property
    void selectionKeepsEveryAllowedCandidateInOrder(@ForAll("catalogs") Map<String, CatalogProduct> catalog,
                                                   @ForAll boolean inStockOnly) {
        List<Recommendation> candidates = List.of("a", "b", "c", "d", "e", "f").stream()
                .map(id -> new Recommendation(id, Recommendation.Reason.VIEWED, null)).toList();
        MerchantRules rules = new MerchantRules(inStockOnly, null);
        List<String> expected = candidates.stream().map(Recommendation::productId)
                .filter(id -> catalog.containsKey(id) && rules.allows(catalog.get(id))).toList();
        assertThat(Recommender.select(candidates, catalog, rules, Set.of(), 10))
                .extracting(Recommendation::productId).containsExactlyElementsOf(expected);
    }

    /** What the server relies on to read the catalog a chunk at a time: a prefix with enough picks decides. */
    @Property
    void aPrefixThatAlreadyHoldsEnoughPicksGivesThePicksOfTheWholeList(
            @ForAll("catalogs") Map<String, CatalogProduct> catalog, @ForAll boolean inStockOnly,
            @ForAll @IntRange(min = 1, max = 4) int limit, @ForAll @IntRange(min = 0, max = 6) int prefix) {
        List<Recommendation> candidates = List.of("a", "b", "c", "d", "e", "f").stream()
                .map(id -> new Recommendation(id, Recommendation.Reason.VIEWED, null)).toList();
        MerchantRules rules = new MerchantRules(inStockOnly, null);
        List<Recommendation> fromPrefix = Recommender.select(candidates.subList(0, prefix), catalog, rules, Set.of(), limit);
        if (fromPrefix.size() == limit) {
            assertThat(Recommender.select(candidates, catalog, rules, Set.of(), limit)).isEqualTo(fromPrefix);
        }
    }

    @Provide
    Arbitrary<List<io.rebound.core.segment.RetainedEvent>> histories() {
        return new ProductSetTest().histories();
    }

    @Provide
    Arbitrary<Optional<BigDecimal>> floors() {
        return Arbitraries.integers().between(0, 10_000).map(i -> BigDecimal.valueOf(i, 2)).optional(0.6);
    }

    @Provide
    Arbitrary<Map<String, CatalogProduct>> catalogs() {
        Arbitrary<CatalogProduct> any = Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e", "f"),
                Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 12_000).optional(0.7),
                Arbitraries.of(Availability.class), Arbitraries.longs().between(0, 3).optional(0.5))
                .as((id, cents, cost, availability, inventory) -> product(id, BigDecimal.valueOf(cents, 2).toPlainString(),
                        cost.map(c -> BigDecimal.valueOf(c, 2).toPlainString()).orElse(null), availability,
                        inventory.orElse(null)));
        return any.list().ofMaxSize(6).map(list -> {
            Map<String, CatalogProduct> m = new HashMap<>();
            list.forEach(p -> m.put(p.id(), p));
            return m;
        });
    }
}
