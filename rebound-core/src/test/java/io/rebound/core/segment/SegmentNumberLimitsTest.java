package io.rebound.core.segment;

import io.rebound.core.event.NumberLimits;
import io.rebound.core.event.Violation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Issue 10: a number with an extreme exponent or length anywhere in a segment definition is
 * refused, naming its field, before any arithmetic (1e999999999 as a product id was written out in
 * full; 1e-50000000 as sum_value_gte was written out by the reasons).
 */
class SegmentNumberLimitsTest {

    /** As a JSON library hands them over: BigDecimal for floats, BigInteger for long integers. */
    static final List<Object> EXTREMES = List.of(new BigDecimal("1e-50000000"), new BigDecimal("1e999999999"),
            new BigDecimal("1e999"), new BigDecimal("-1e999"), new BigDecimal("1E+2147483647"),
            new BigDecimal("0e-50000000"), new BigInteger("1234567890".repeat(1000)),
            new BigDecimal("0." + "1234567890".repeat(1000)), Double.NaN, Double.POSITIVE_INFINITY, 1e300);

    private static Map<String, Object> condition(String event) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("event", event);
        c.put("within_days", 7);
        return c;
    }

    private static Map<String, Object> definition(Map<String, Object> include) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", "s");
        d.put("include", List.of(include));
        return d;
    }

    /** Where the number goes, and the path it must be reported at. */
    private static final Map<String, Function<Object, Map<String, Object>>> PLACES = new LinkedHashMap<>();

    static {
        PLACES.put("include[0].where.value.gte", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("where", Map.of("value", Map.of("gte", n)));
            return definition(c);
        });
        PLACES.put("include[0].where.value", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("where", Map.of("value", n));
            return definition(c);
        });
        PLACES.put("include[0].where.product_id", n -> {
            Map<String, Object> c = condition("ViewContent");
            c.put("where", Map.of("product_id", n));
            return definition(c);
        });
        PLACES.put("include[0].where.category[1]", n -> {
            Map<String, Object> c = condition("ViewContent");
            c.put("where", Map.of("category", List.of("mats", n)));
            return definition(c);
        });
        PLACES.put("include[0].where.size.in[0]", n -> {
            Map<String, Object> c = condition("ViewContent");
            c.put("where", Map.of("size", Map.of("in", List.of(n))));
            return definition(c);
        });
        PLACES.put("include[0].sum_value_gte", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("sum_value_gte", n);
            return definition(c);
        });
        PLACES.put("include[0].min_count", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("min_count", n);
            return definition(c);
        });
        PLACES.put("include[0].within_days", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("within_days", n);
            return definition(c);
        });
        PLACES.put("include[0].any[1].where.value.lt", n -> {
            Map<String, Object> c = condition("Purchase");
            c.put("where", Map.of("value", Map.of("lt", n)));
            return definition(Map.of("any", List.of(condition("AddToCart"), c)));
        });
    }

    @Test
    void everyExtremeNumberIsRefusedAtItsPathWithinMilliseconds() {
        long slowest = 0;
        for (Object n : EXTREMES) {
            for (var place : PLACES.entrySet()) {
                long start = System.nanoTime();
                InvalidSegmentException e = catchThrowableOfType(InvalidSegmentException.class,
                        () -> SegmentDefinitions.parse(place.getValue().apply(n)));
                long millis = (System.nanoTime() - start) / 1_000_000;
                slowest = Math.max(slowest, millis);
                assertThat(e).as(place.getKey() + " " + n.getClass().getSimpleName()).isNotNull();
                assertThat(e.violations()).as(place.getKey())
                        .containsExactly(new Violation(place.getKey(), NumberLimits.OUT_OF_RANGE));
                assertThat(millis).as(place.getKey() + " milliseconds").isLessThan(2_000);
            }
        }
        System.out.println("SegmentNumberLimitsTest: slowest refusal took " + slowest + " ms");
    }

    @Test
    void numbersWithinRangeStillWork() {
        Map<String, Object> c = condition("Purchase");
        c.put("where", Map.of("value", Map.of("gte", new BigDecimal("1e-99"), "lt", new BigDecimal("9.99e99")),
                "product_id", new BigDecimal("12345.50")));
        c.put("sum_value_gte", new BigDecimal("0.5"));
        EventCondition parsed = (EventCondition) SegmentDefinitions.parse(definition(c)).include().getFirst();
        assertThat(parsed.sumValueGte()).isEqualByComparingTo("0.5");
        assertThat(parsed.where()).contains(Filter.eq("product_id", "12345.50"));
    }

    @Test
    void deepNestingIsRefusedNotRecursedInto() {
        Object deep = "x";
        for (int i = 0; i < 100_000; i++) {
            deep = List.of(deep);
        }
        Map<String, Object> c = condition("Purchase");
        c.put("where", Map.of("tags", deep));
        InvalidSegmentException e = catchThrowableOfType(InvalidSegmentException.class,
                () -> SegmentDefinitions.parse(definition(c)));
        assertThat(e.violations()).extracting(Violation::message).anyMatch(m -> m.contains("nested too deeply"));
    }

    // ---- properties: any number, any place, any nesting -----------------------------------------

    @Provide
    Arbitrary<Object> anyNumber() {
        return Arbitraries.<Object>oneOf(
                Arbitraries.longs().flatMap(u -> Arbitraries.integers().map(s -> (Object) BigDecimal.valueOf(u, s))),
                Arbitraries.longs().flatMap(u -> Arbitraries.integers().between(-120, 120)
                        .map(s -> (Object) BigDecimal.valueOf(u, s))),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(90).negate(), BigInteger.TEN.pow(120)).map(b -> (Object) b),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(Double.NaN, Double.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Double.MIN_VALUE),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.of(EXTREMES));
    }

    /** Parsing ends in a definition or in violations naming the place; never later than milliseconds. */
    @Property(tries = 1500)
    void anyNumberAnywhereIsParsedOrRefusedQuickly(@ForAll("anyNumber") Object n,
                                                   @ForAll @IntRange(min = 0, max = 8) int placeIndex) {
        var place = new ArrayList<>(PLACES.entrySet()).get(placeIndex);
        long start = System.nanoTime();
        try {
            SegmentDefinition d = SegmentDefinitions.parse(place.getValue().apply(n));
            assertThat(NumberLimits.problem(n)).isNull();
            // What was accepted can be written back and read again.
            assertThat(SegmentDefinitions.parse(SegmentDefinitions.toJson(d))).isEqualTo(d);
        } catch (InvalidSegmentException e) {
            assertThat(e.violations()).isNotEmpty().allSatisfy(v -> assertThat(v.field()).startsWith("include[0]"));
            if (NumberLimits.problem(n) != null) {
                assertThat(e.violations()).containsExactly(new Violation(place.getKey(), NumberLimits.OUT_OF_RANGE));
            }
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    }

    /** Long lists and deep or wide structures under any key end in a definition or violations. */
    @Property(tries = 300)
    void deepAndLongStructuresAreParsedOrRefused(@ForAll @IntRange(min = 0, max = 3000) int depth,
                                                 @ForAll @IntRange(min = 0, max = 5000) int length,
                                                 @ForAll("anyNumber") Object leaf) {
        Object deep = leaf;
        for (int i = 0; i < depth; i++) {
            deep = i % 2 == 0 ? List.of(deep) : Map.of("k", deep);
        }
        List<Object> longList = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            longList.add(i % 7 == 0 ? leaf : "v" + i);
        }
        Map<String, Object> c = condition("ViewContent");
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("deep", deep);
        where.put("color", longList.isEmpty() ? "red" : longList);
        c.put("where", where);
        long start = System.nanoTime();
        try {
            SegmentDefinitions.parse(definition(c));
        } catch (InvalidSegmentException e) {
            assertThat(e.violations()).isNotEmpty();
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    }
}
