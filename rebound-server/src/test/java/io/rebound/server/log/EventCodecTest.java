package io.rebound.server.log;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventCodecTest {
    @Test
    void everyFieldSurvivesTheRoundTrip() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("order_id", "o-1");
        props.put("coupon", "SPRING");
        props.put("items_count", 2L);
        props.put("discount", new BigDecimal("6.80"));
        props.put("gift", true);
        Event e = Event.builder("st_1", "ev-1", EventType.PURCHASE, Instant.parse("2026-11-20T10:15:30.123Z"),
                        Instant.parse("2026-11-20T10:15:31.456Z"))
                .name("Order Completed").anonymousId("anon-1").userId("cust-9")
                .emailHash("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b")
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68.00"), 1),
                        new Product("yoga-block", null, null, 2)))
                .value(new BigDecimal("104.00")).currency("USD").pageUrl("https://shop.example/thanks")
                .referrer("https://shop.example/checkout").userAgent("Mozilla/5.0").ip("203.0.113.0")
                .clickIds(Map.of("fbclid", "abc")).utm(Map.of("utm_source", "meta"))
                .consent(new Consent(true, true, null, false, false)).properties(props).source(Source.PIXEL)
                .build();
        assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
    }

    @Test
    void minimalEventRoundTrips() {
        Event e = Event.builder("st_1", "ev-2", EventType.CUSTOM, Instant.ofEpochMilli(1), Instant.ofEpochMilli(2))
                .name("Quiz Finished").userId("u").build();
        assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
    }
}
