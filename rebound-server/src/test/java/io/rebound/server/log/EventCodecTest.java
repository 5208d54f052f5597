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

    @Test
    void version1JsonRecordsStillDecodeToTheSameEvent() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("items_count", 2L);
        props.put("ratio", new BigDecimal("0.5"));
        props.put("big", new BigDecimal("1E+3"));
        props.put("note", "x");
        Event e = Event.builder("st_1", "ev-3", EventType.ADD_TO_CART, Instant.ofEpochMilli(1_700_000_000_123L),
                        Instant.ofEpochMilli(1_700_000_000_100L))
                .name("Product Added").anonymousId("a").products(List.of(new Product("p", "c", new BigDecimal("9.90"), 3)))
                .value(new BigDecimal("29.70")).currency("EUR").properties(props).build();
        Event fromJson = EventCodec.decode(EventCodec.encodeJson(e));
        Event fromBinary = EventCodec.decode(EventCodec.encode(e));
        assertThat(fromBinary).isEqualTo(fromJson);
        assertThat(EventCodec.encode(e)[0]).isNotEqualTo((byte) '{');
    }

    @Test
    void aVersion1JsonRecordKeepsOnlyTheClickIdsAllowedToday() {
        String record = "{\"store_id\":\"st_1\",\"event_id\":\"ev-j\",\"type\":\"PageView\",\"anonymous_id\":\"a\","
                + "\"event_time_ms\":1,\"received_at_ms\":2,\"click_ids\":{\"gclid\":\"G1\",\"fbclid\":\"a b\","
                + "\"utm_id\":\"x\"},\"source\":\"PIXEL\"}";
        Event e = EventCodec.decode(record.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(e.eventId()).isEqualTo("ev-j");
        assertThat(e.clickIds()).containsOnly(Map.entry("gclid", "G1"));
    }

    @Test
    void numbersInPropertiesDecodeAsTheJsonRecordWouldHave() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("int_as_decimal", new BigDecimal("68"));
        props.put("double", 2.5d);
        props.put("integer", 7);
        props.put("negative", -3L);
        props.put("huge", new BigDecimal("123456789012345678901234567890.5"));
        props.put("flag", false);
        Event e = Event.builder("st_1", "ev-4", EventType.CUSTOM, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6))
                .name("n").userId("u").value(new BigDecimal("-123456789012345678901234567890.123"))
                .properties(props).build();
        assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(EventCodec.decode(EventCodec.encodeJson(e)));
    }

    @Test
    void randomEventsDecodeTheSameFromBothVersions() {
        java.util.Random r = new java.util.Random(42);
        String[] words = {"", "a", "yoga-mat", "ü-ß-日本", "with \"quotes\"", "x".repeat(300)};
        for (int i = 0; i < 2_000; i++) {
            Map<String, Object> props = new LinkedHashMap<>();
            for (int k = r.nextInt(4); k > 0; k--) {
                Object v = switch (r.nextInt(5)) {
                    case 0 -> words[r.nextInt(words.length)];
                    case 1 -> r.nextBoolean();
                    case 2 -> r.nextLong();
                    case 3 -> BigDecimal.valueOf(r.nextLong(), r.nextInt(6) - 2);
                    default -> r.nextDouble() * 1000;
                };
                props.put("p" + k, v);
            }
            List<Product> products = new java.util.ArrayList<>();
            for (int k = r.nextInt(3); k > 0; k--) {
                products.add(new Product("p" + r.nextInt(100), r.nextBoolean() ? null : words[r.nextInt(words.length)],
                        r.nextBoolean() ? null : BigDecimal.valueOf(r.nextInt(100_000), 2), 1 + r.nextInt(5)));
            }
            long t = r.nextLong(0, 4_000_000_000_000L);
            Event e = Event.builder("st_" + r.nextInt(3), "ev-" + i, EventType.values()[r.nextInt(EventType.values().length)],
                            Instant.ofEpochMilli(t), Instant.ofEpochMilli(t + r.nextInt(2_000_000) - 1_000_000))
                    .name(words[r.nextInt(words.length)]).anonymousId(r.nextBoolean() ? "a" + i : null)
                    .userId(r.nextBoolean() ? "u" + i : "fallback-" + i).products(products)
                    .value(r.nextBoolean() ? null : BigDecimal.valueOf(r.nextLong(), r.nextInt(4)))
                    .currency(r.nextBoolean() ? "USD" : null).pageUrl(r.nextBoolean() ? "https://s/p?q=" + i : null)
                    .clickIds(r.nextBoolean() ? Map.of("gclid", "g" + i) : null)
                    .consent(r.nextBoolean() ? null : new Consent(r.nextBoolean() ? null : r.nextBoolean(),
                            r.nextBoolean(), null, r.nextBoolean() ? null : false, r.nextBoolean()))
                    .properties(props).source(Source.values()[r.nextInt(Source.values().length)])
                    .build();
            assertThat(EventCodec.decode(EventCodec.encode(e))).as("event %d", i)
                    .isEqualTo(EventCodec.decode(EventCodec.encodeJson(e)));
        }
    }
}
