package io.rebound.core.event;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BinaryEventCodecTest {

    /** Every field, a non-ASCII product id and one property (several would be written in a map's own order). */
    static Event everyField() {
        return Event.builder("st_1", "ev-1", EventType.PURCHASE, Instant.parse("2026-11-20T10:15:30.123Z"),
                        Instant.parse("2026-11-20T10:15:31.456Z"))
                .name("Order Completed").anonymousId("anon-1").userId("cust-9")
                .emailHash("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b")
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68.00"), 1),
                        new Product("ünï-block", null, null, 200)))
                .value(new BigDecimal("104.00")).currency("USD").pageUrl("https://shop.example/thanks")
                .referrer("https://shop.example/checkout").userAgent("Mozilla/5.0").ip("203.0.113.0")
                .clickIds(Map.of("fbclid", "abc")).utm(Map.of("utm_source", "meta"))
                .consent(new Consent(true, false, null, true, true)).properties(Map.of("discount", new BigDecimal("6.80")))
                .source(Source.PIXEL).build();
    }

    /** An event before 1970, received before it happened, with a value too wide for a long and {@code property}. */
    static Event withProperty(String eventId, String key, Object property) {
        return Event.builder("st_1", eventId, EventType.CUSTOM, Instant.ofEpochMilli(-1500), Instant.ofEpochMilli(-2000))
                .name("Quiz").userId("u").value(new BigDecimal("123456789012345678901234567890.5"))
                .properties(Map.of(key, property)).build();
    }

    /** Written by version 2 (0xB2): the log's records and the visitor event table's values must keep reading the same. */
    private static final Map<String, String> VERSION_2 = Map.of(
            "every field", "b20573745f310565762d31095075726368617365104f7264657220436f6d706c6574656407616e6f6e2d310763757374"
                    + "2d3941393733646665343633656338353738356635663935616635626133393036656564623264393331633234653639"
                    + "383234613839656136356462613465383133620209796f67612d6d6174056d6174730104a06a010cc3bc6ec3af2d626c"
                    + "6f636b0000c8010104c0a2010455534496f9a187bf68ea141c68747470733a2f2f73686f702e6578616d706c652f7468"
                    + "616e6b731e68747470733a2f2f73686f702e6578616d706c652f636865636b6f75740c4d6f7a696c6c612f352e300c32"
                    + "30332e302e3131332e3001076662636c696404616263010b75746d5f736f75726365056d65746186070109646973636f"
                    + "756e740405362e383000",
            "string", "b20573745f3103703007437573746f6d055175697a0002750000022131323334353637383930313233343536373839"
                    + "30313233343536373839302e3500b717e707000000000000000102730003c3bc02",
            "true", "b20573745f3103703107437573746f6d055175697a00027500000221313233343536373839303132333435363738393031"
                    + "3233343536373839302e3500b717e707000000000000000102740102",
            "false", "b20573745f3103703207437573746f6d055175697a000275000002213132333435363738393031323334353637383930"
                    + "313233343536373839302e3500b717e707000000000000000102660202",
            "long", "b20573745f3103703307437573746f6d055175697a00027500000221313233343536373839303132333435363738393031"
                    + "3233343536373839302e3500b717e7070000000000000001026c03023702",
            "int", "b20573745f3103703407437573746f6d055175697a0002750000022131323334353637383930313233343536373839303132"
                    + "33343536373839302e3500b717e7070000000000000001026903032d3302",
            "double", "b20573745f3103703507437573746f6d055175697a000275000002213132333435363738393031323334353637383930"
                    + "313233343536373839302e3500b717e707000000000000000102640405302e323502",
            "minimal", "b20573745f310565762d3207437573746f6d0e5175697a2046696e6973686564000275000000000202000000000000"
                    + "000002");

    @Test
    void version2BytesStayAsTheyWere() {
        Map<String, Event> events = new LinkedHashMap<>();
        events.put("every field", everyField());
        events.put("string", withProperty("p0", "s", "ü"));
        events.put("true", withProperty("p1", "t", true));
        events.put("false", withProperty("p2", "f", false));
        events.put("long", withProperty("p3", "l", 7L));
        events.put("int", withProperty("p4", "i", -3));
        events.put("double", withProperty("p5", "d", 0.25));
        events.put("minimal", Event.builder("st_1", "ev-2", EventType.CUSTOM, Instant.ofEpochMilli(1),
                Instant.ofEpochMilli(2)).name("Quiz Finished").userId("u").build());
        events.forEach((name, e) -> {
            byte[] golden = java.util.HexFormat.of().parseHex(VERSION_2.get(name));
            assertThat(BinaryEventCodec.encode(e)).as(name).isEqualTo(golden);
            assertThat(BinaryEventCodec.decode(golden)).as(name).isEqualTo(BinaryEventCodec.decode(BinaryEventCodec.encode(e)));
        });
        assertThat(BinaryEventCodec.decode(java.util.HexFormat.of().parseHex(VERSION_2.get("every field"))))
                .isEqualTo(everyField());
    }

    /**
     * Written by the codec before click ids had rules (captured from it): fbp, gclid, an fbclid with a
     * space and a key that is not a click id, as the collector of that release could store them.
     */
    private static final String BEFORE_CLICK_ID_RULES = "b20573745f310765762d6f6c640950616765566965770950616765566965"
            + "7704612d31000000000080a0abfef962f4032768747470733a2f2f73686f702e6578616d706c652f3f67636c69643d436a"
            + "304b43512d785f79000000040667636c69640b436a304b43512d785f79076662636c69640a6861732073706163650775"
            + "746d5f69640f6e6f742d612d636c69636b2d6964046662701d66622e312e313730303030303030303030302e3132333435"
            + "363738390000000000";

    @Test
    void aRecordWrittenBeforeTheClickIdRulesDecodesKeepingOnlyTheIdsAllowedToday() {
        Event e = BinaryEventCodec.decode(java.util.HexFormat.of().parseHex(BEFORE_CLICK_ID_RULES));
        assertThat(e.eventId()).isEqualTo("ev-old");
        assertThat(e.anonymousId()).isEqualTo("a-1");
        assertThat(e.pageUrl()).isEqualTo("https://shop.example/?gclid=Cj0KCQ-x_y");
        assertThat(e.clickIds()).containsOnly(Map.entry("fbp", "fb.1.1700000000000.123456789"),
                Map.entry("gclid", "Cj0KCQ-x_y"));
    }

    @Test
    void everyClickIdKeyRoundTrips() {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put(ClickIds.FBP, "fb.1.1700000000000.1116446470");
        ids.put(ClickIds.FBC, "fb.1.1700000000000.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk");
        ids.put(ClickIds.FBCLID, "IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk");
        ids.put(ClickIds.FBCLID_AT, "1700000000000");
        ids.put(ClickIds.TTP, "2Jp3xXnjgqiEV0ZVMhhOJQuGizu");
        ids.put(ClickIds.TTCLID, "E.C.P.CrgBxyz");
        ids.put(ClickIds.EPIK, "dj0yJnU9Z1dRcVhZMHlZeWts");
        ids.put(ClickIds.GCLID, "Cj0KCQjw-x_yBhC=");
        ids.put(ClickIds.GBRAID, "0AAAAADx/y+z");
        ids.put(ClickIds.WBRAID, "CjkKCAjw~abc");
        ids.put(ClickIds.GA_CLIENT_ID, "1234567890.1700000000");
        ids.put(ClickIds.MSCLKID, "m1");
        Event e = Event.builder("st_1", "ev-ids", EventType.ADD_TO_CART, Instant.ofEpochMilli(1_700_000_000_000L),
                Instant.ofEpochMilli(1_700_000_000_100L)).anonymousId("a").clickIds(ids).build();
        assertThat(ids.keySet()).containsExactlyInAnyOrderElementsOf(ClickIds.KEYS);
        assertThat(BinaryEventCodec.decode(BinaryEventCodec.encode(e))).isEqualTo(e);
        assertThat(BinaryEventCodec.decode(BinaryEventCodec.encode(e)).clickIds()).isEqualTo(ids);
    }

    @Test
    void aDamagedRecordIsRefusedClearly() {
        byte[] record = BinaryEventCodec.encode(everyField());
        assertThatThrownBy(() -> BinaryEventCodec.decode(Arrays.copyOf(record, record.length / 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt event record");
        assertThatThrownBy(() -> BinaryEventCodec.decode("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(BinaryEventCodec.isRecord(record)).isTrue();
        assertThat(BinaryEventCodec.isRecord(new byte[0])).isFalse();
    }

    @Test
    void aGoogleEmailHashIsAnOptionalTrailingFieldThatOlderRecordsDoNotHave() {
        Event plain = everyField();
        String google = "0123456789abcdef".repeat(4);
        Event with = Event.builder(plain.storeId(), plain.eventId(), plain.type(), plain.eventTime(), plain.receivedAt())
                .name(plain.name()).anonymousId(plain.anonymousId()).userId(plain.userId()).emailHash(plain.emailHash())
                .products(plain.products()).value(plain.value()).currency(plain.currency()).pageUrl(plain.pageUrl())
                .referrer(plain.referrer()).userAgent(plain.userAgent()).ip(plain.ip()).clickIds(plain.clickIds())
                .utm(plain.utm()).consent(plain.consent()).properties(plain.properties()).source(plain.source())
                .googleEmailHash(google).build();
        byte[] bytes = BinaryEventCodec.encode(with);
        assertThat(BinaryEventCodec.decode(bytes)).isEqualTo(with);
        assertThat(BinaryEventCodec.decode(bytes).googleEmailHash()).isEqualTo(google);
        // The record without it is the version-2 record, byte for byte.
        byte[] without = BinaryEventCodec.encode(plain);
        assertThat(Arrays.copyOf(bytes, without.length)).isEqualTo(without);
        assertThat(BinaryEventCodec.decode(without).googleEmailHash()).isNull();
        // Only beside an email hash, only a digest, and not kept when it is the email hash itself.
        assertThatThrownBy(() -> Event.builder("st", "e", EventType.IDENTIFY, plain.eventTime(), plain.receivedAt())
                .anonymousId("a").googleEmailHash(google).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(Event.builder("st", "e", EventType.IDENTIFY, plain.eventTime(), plain.receivedAt())
                .anonymousId("a").emailHash(google).googleEmailHash(google).build().googleEmailHash()).isNull();
    }
}
