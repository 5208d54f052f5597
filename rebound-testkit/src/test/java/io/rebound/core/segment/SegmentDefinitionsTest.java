package io.rebound.core.segment;

import io.rebound.testkit.MiniJson;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SegmentDefinitionsTest {

    private static SegmentDefinition parse(String json) {
        return SegmentDefinitions.parse(MiniJson.parse(json));
    }

    private static List<Violation> violations(String json) {
        return catchThrowableOfType(InvalidSegmentException.class, () -> parse(json)).violations();
    }

    @Test
    void parsesTheIssueExample() {
        SegmentDefinition d = parse("""
                {"name": "Yoga mat viewers who did not add to cart",
                 "include": [ { "event": "ViewContent", "within_days": 14, "where": { "product_id": "yoga-mat" } } ],
                 "exclude": [ { "event": "AddToCart", "within_days": 14 } ]}""");
        assertThat(d.include()).containsExactly(EventCondition.of(EventType.VIEW_CONTENT, Window.days(14))
                .where(Filter.eq("product_id", "yoga-mat")));
        assertThat(d.exclude()).containsExactly(EventCondition.of(EventType.ADD_TO_CART, Window.days(14)));
    }

    @Test
    void acceptsAliasesFromMetaGa4AndSegment() {
        for (String alias : List.of("add_to_cart", "Product Added", "AddToCart", "addtocart")) {
            SegmentDefinition d = parse("{name: x, include: [{event: '" + alias + "', within_days: 7}]}");
            assertThat(((EventCondition) d.include().getFirst()).type()).isEqualTo(EventType.ADD_TO_CART);
        }
    }

    @Test
    void unknownEventNamesAreCustomEvents() {
        EventCondition c = (EventCondition) parse("{name: x, include: [{event: 'Quiz Completed', within_hours: 6}]}")
                .include().getFirst();
        assertThat(c.type()).isEqualTo(EventType.CUSTOM);
        assertThat(c.customName()).isEqualTo("Quiz Completed");
        assertThat(c.window()).isEqualTo(Window.hours(6));
    }

    @Test
    void parsesEveryOperatorMinCountSumAnyAndSince() {
        SegmentDefinition d = parse("""
                {name: 'Big spenders', description: 'spent a lot',
                 include: [{event: Purchase, within_days: 90, sum_value_gte: 100, min_count: 2,
                            where: {value: {gte: 10, lt: 500}, currency: usd, category: [mats, blocks],
                                    color: {contains: re}, vip: true, size: {in: [1, 2]}}},
                           {any: [{event: ViewContent, within_days: 3}, {event: Wishlisted, within_days: 3}]}],
                 exclude: [{event: Refund, within_days: 90, since: last_include}]}""");
        EventCondition c = (EventCondition) d.include().getFirst();
        assertThat(c.minCount()).isEqualTo(2);
        assertThat(c.sumValueGte()).isEqualByComparingTo("100");
        assertThat(c.where()).contains(new Filter("value", Filter.Operator.GTE, new BigDecimal("10")),
                new Filter("currency", Filter.Operator.EQ, "USD"),
                new Filter("category", Filter.Operator.IN, List.of("mats", "blocks")),
                new Filter("vip", Filter.Operator.EQ, true));
        assertThat(d.include().get(1)).isInstanceOf(AnyCondition.class);
        assertThat(((EventCondition) d.exclude().getFirst()).since()).isEqualTo(Since.LAST_INCLUDE);
    }

    @Test
    void toJsonRoundTrips() {
        for (SegmentDefinition d : List.of(
                parse("{name: a, include: [{event: view_item, within_hours: 36, min_count: 2, where: {category: c1}}],"
                        + " exclude: [{event: Purchase, within_days: 2, since: last_include, where: {value: {gte: 50.5}}}]}"),
                parse("{name: b, description: d, include: [{any: [{event: AddToCart, within_days: 1, where: "
                        + "{product_id: [p1, 2]}}, {event: X, within_days: 2, sum_value_gte: 1.25}]}]}"),
                SegmentTemplates.abandonerOffer(new SegmentTemplates.Scope("mat", null)))) {
            Map<String, Object> json = SegmentDefinitions.toJson(d);
            assertThat(SegmentDefinitions.parse(json)).isEqualTo(d);
        }
    }

    @Test
    void reportsEveryViolationWithItsFieldPath() {
        assertThat(violations("""
                {include: [{event: ViewContent, within_days: 600},
                           {event: AddToCart},
                           {event: Purchase, within_days: 7, where: {product_id: {gt: 3}}, since: last_include}],
                 exclude: [{event: Purchase, within_days: 7, since: yesterday, colour: red}],
                 owner: me}""").stream().map(Violation::field))
                .containsExactlyInAnyOrder("owner", "name", "include[0].within_days", "include[1].within_days",
                        "include[2].where.product_id.gt", "include[2].since", "exclude[0].colour", "exclude[0].since");
    }

    @Test
    void violationMessagesSayWhatWasExpected() {
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 0}]}"))
                .containsExactly(new Violation("include[0].within_days",
                        "must be a whole number from 1 to 540 (Meta keeps audiences up to 180 days, Google up to 540)"));
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 7, within_hours: 3}]}"))
                .extracting(Violation::message).containsExactly("give either within_days or within_hours, not both");
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 7, where: {value: {contains: 1}}}]}"))
                .extracting(Violation::field).containsExactly("include[0].where.value.contains");
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 7, where: {currency: dollars}}]}"))
                .extracting(Violation::message).containsExactly("must be a three-letter ISO 4217 code such as USD");
        assertThat(violations("{name: x, include: [{any: [{any: []}]}]}"))
                .extracting(Violation::field).containsExactly("include[0].any[0].any");
        assertThat(violations("{name: x, include: []}"))
                .extracting(Violation::field).containsExactly("include");
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 2.5}]}"))
                .extracting(Violation::field).containsExactly("include[0].within_days");
        assertThat(violations("{name: x, include: [{event: ViewContent, within_days: 7, where: {size: {between: 1}}}]}"))
                .extracting(Violation::field).containsExactly("include[0].where.size.between");
    }

    @Test
    void aMissingBodyIsAViolationNotACrash() {
        assertThatThrownBy(() -> SegmentDefinitions.parse(null)).isInstanceOf(InvalidSegmentException.class);
    }
}
