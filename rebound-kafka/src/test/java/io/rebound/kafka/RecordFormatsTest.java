package io.rebound.kafka;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.event.BinaryEventCodec;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.core.segment.SegmentTemplates;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bytes of every record this runtime puts on a topic: records already on the topics (and their
 * changelogs) must keep reading, and a record written today must read the same on every instance.
 */
class RecordFormatsTest {
    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

    /**
     * Every field of an event; one property (several would be written in a map's own order) holding a
     * value of each kind the format keeps: string, boolean, int, long, double, decimal, big integer,
     * null, and a nested map and list.
     */
    static Event everyField() {
        List<Object> all = Arrays.asList("ü", true, 3, 4L, 0.5, new BigDecimal("6.80"),
                new BigInteger("123456789012345678901234567890"), null, Map.of("k", List.of()));
        return Event.builder("st_1", "ev-1", EventType.PURCHASE, Instant.parse("2026-11-20T10:15:30.123Z"),
                        Instant.parse("2026-11-20T10:15:31.456Z"))
                .name("Order Completed").anonymousId("anon-1").userId("cust-9").emailHash("973dfe46")
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68.00"), 1),
                        new Product("ünï-block", null, null, 200)))
                .value(new BigDecimal("104.00")).currency("USD").pageUrl("https://shop.example/thanks")
                .referrer("https://shop.example/checkout").userAgent("Mozilla/5.0").ip("203.0.113.0")
                .clickIds(Map.of("fbclid", "abc")).utm(Map.of("utm_source", "meta"))
                .consent(new Consent(true, false, null, true, true)).properties(Map.of("all", all))
                .source(Source.PIXEL).build();
    }

    /** The fewest fields an event has, before 1970. */
    static Event minimal() {
        return Event.builder("st_1", "ev-2", EventType.CUSTOM, Instant.ofEpochMilli(-1), Instant.ofEpochMilli(2))
                .name("Quiz Finished").userId("u").build();
    }

    /** Events topic, version 1 (until 2026-12-02; still read): {@link #everyField()}. */
    private static final String EVENT_EVERY_FIELD = "01010000000473745f31010000000465762d3101000000085055524348415345010000000f4f7264657220436f6d706c"
            + "657465640100000006616e6f6e2d310100000006637573742d3901000000083937336466653436000000020100000008"
            + "796f67612d6d617401000000046d617473010000000536382e303000000001010000000bc3bc6ec3af2d626c6f636b00"
            + "00000000c801000000063130342e3030010000000355534401000001a1f8743e4b01000001a1f8744380010000001b68"
            + "747470733a2f2f73686f702e6578616d706c652f7468616e6b73010000001d68747470733a2f2f73686f702e6578616d"
            + "706c652f636865636b6f7574010000000b4d6f7a696c6c612f352e30010000000b3230332e302e3131332e3009000000"
            + "0101000000066662636c69640101000000036162630900000001010000000a75746d5f736f757263650101000000046d"
            + "657461020102000002010109000000010100000003616c6c0800000009010100000002c3bc0201030000000304000000"
            + "0000000004053fe0000000000000060100000004362e383007010000001e313233343536373839303132333435363738"
            + "39303132333435363738393000090000000101000000016b08000000000100000005504958454c";

    /** Events topic, version 1 (until 2026-12-02; still read): {@link #minimal()}. */
    private static final String EVENT_MINIMAL = "01010000000473745f31010000000465762d320100000006435553544f4d010000000d5175697a2046696e6973686564"
            + "000100000001750000000000000001ffffffffffffffff01000000000000000200000000090000000009000000000000"
            + "00000009000000000100000006534552564552";

    @Test
    void eventRecordsOfVersion1StillRead() {
        assertThat(EventSerde.decode(hex(EVENT_EVERY_FIELD))).isEqualTo(everyField());
        assertThat(EventSerde.decode(hex(EVENT_MINIMAL))).isEqualTo(minimal());
    }

    /** One binary form for an event in both modes: the embedded log's (golden bytes in core's BinaryEventCodecTest). */
    @Test
    void eventsAreWrittenAsTheEmbeddedLogWritesThem() {
        Event collected = Event.builder("st_1", "ev-3", EventType.ADD_TO_CART, T, T.plusMillis(40)).anonymousId("a1")
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68.00"), 1)))
                .value(new BigDecimal("68.00")).currency("USD").consent(new Consent(true, null, null, false, false))
                .properties(Map.of("coupon", "SPRING", "items", 2L, "gift", true, "ratio", new BigDecimal("0.5")))
                .source(Source.PIXEL).build();
        for (Event e : List.of(collected, minimal())) {
            byte[] record = EventSerde.encode(e);
            assertThat(record).isEqualTo(BinaryEventCodec.encode(e));
            assertThat(EventSerde.decode(record)).isEqualTo(e);
        }
    }

    @Test
    void aRecordOfNeitherVersionIsRefused() {
        assertThatThrownBy(() -> EventSerde.decode(new byte[]{2, 0})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 2");
        byte[] truncated = Arrays.copyOf(hex(EVENT_MINIMAL), 20);
        assertThatThrownBy(() -> EventSerde.decode(truncated)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupt event record");
    }

    /** Membership-changes topic: a join with its reason. */
    private static final String CHANGE_JOINED = "01010000000473745f3101000000057365672d310100000004753ac3bc01000000064a4f494e454401000001a1f8660d"
            + "00010000000f76696577656420796f67612d6d6174";

    /** Membership-changes topic: a leave without a reason. */
    private static final String CHANGE_LEFT = "01010000000473745f3101000000057365672d310100000004613a763101000000044c45465401000001a1f8660d0001"
            + "00000000";

    @Test
    void membershipChangesStayAsTheyWere() {
        MembershipChange joined = new MembershipChange("st_1", "seg-1", "u:ü", MembershipChange.Kind.JOINED, T,
                "viewed yoga-mat");
        MembershipChange left = new MembershipChange("st_1", "seg-1", "a:v1", MembershipChange.Kind.LEFT, T, null);
        assertThat(MembershipChangeSerde.encode(joined)).isEqualTo(hex(CHANGE_JOINED));
        assertThat(MembershipChangeSerde.decode(hex(CHANGE_JOINED))).isEqualTo(joined);
        assertThat(MembershipChangeSerde.encode(left)).isEqualTo(hex(CHANGE_LEFT));
        assertThat(MembershipChangeSerde.decode(hex(CHANGE_LEFT))).isEqualTo(left);
    }

    @Test
    void serdesKeepTombstonesAndWriteTheFormat() {
        MembershipChange left = new MembershipChange("st_1", "seg-1", "a:v1", MembershipChange.Kind.LEFT, T, null);
        try (MembershipChangeSerde serde = new MembershipChangeSerde()) {
            assertThat(serde.serializer().serialize("t", left)).isEqualTo(hex(CHANGE_LEFT));
            assertThat(serde.deserializer().deserialize("t", hex(CHANGE_LEFT))).isEqualTo(left);
            assertThat(serde.serialize("t", null)).isNull();
            assertThat(serde.deserialize("t", null)).isNull();
        }
        try (EventSerde serde = new EventSerde()) {
            assertThat(serde.deserialize("t", serde.serialize("t", minimal()))).isEqualTo(minimal());
            assertThat(serde.deserialize("t", hex(EVENT_MINIMAL))).isEqualTo(minimal());
        }
    }

    /** Segments topic: a segment (cart abandoners, 7 days) as created. */
    private static final String SEGMENT = "01010000000473745f3101000000057365672d3101000001a1f8660d0001090000000301000000046e616d6501010000"
            + "001843617274206162616e646f6e6572732028372064617973290100000007696e636c75646508000000010900000002"
            + "01000000056576656e74010100000009416464546f43617274010000000b77697468696e5f6461797303000000070100"
            + "0000076578636c7564650800000001090000000301000000056576656e74010100000008507572636861736501000000"
            + "0b77697468696e5f646179730300000007010000000573696e636501010000000c6c6173745f696e636c756465";

    /** Segments topic: a deletion. */
    private static final String SEGMENT_DELETED = "01010000000473745f3101000000057365672d3201000001a1f86610e800";

    /** Segments topic: a store's settings. */
    private static final String SETTINGS = "01010000000473745f310000001e";

    @Test
    void segmentsTopicRecordsAndTheirFingerprintStayAsTheyWere() {
        SegmentRecord created = new SegmentRecord("st_1", "seg-1",
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), T);
        SegmentRecord deleted = new SegmentRecord("st_1", "seg-2", null, T.plusSeconds(1));
        StoreSettings settings = new StoreSettings("st_1", 30);
        assertThat(created.encode()).isEqualTo(hex(SEGMENT));
        assertThat(SegmentRecord.decode(hex(SEGMENT))).isEqualTo(created);
        assertThat(deleted.encode()).isEqualTo(hex(SEGMENT_DELETED));
        assertThat(SegmentRecord.decode(hex(SEGMENT_DELETED))).isEqualTo(deleted);
        assertThat(settings.encode()).isEqualTo(hex(SETTINGS));
        assertThat(StoreSettings.decode(hex(SETTINGS))).isEqualTo(settings);
        // Compared with what the catalog and the cluster sink of other nodes (and versions) computed.
        SortedMap<String, byte[]> records = new TreeMap<>();
        records.put(created.key(), created.encode());
        records.put(deleted.key(), deleted.encode());
        records.put(settings.key(), settings.encode());
        assertThat(SegmentRecord.fingerprint(records)).isEqualTo(0xfd2a352763356ceeL);
    }

    /** Backfill-progress topic: one partition's progress. */
    private static final String PROGRESS = "01010000000473745f3100000003123456789abcdef0000000000000000a0000000000000014";

    @Test
    void backfillProgressStaysAsItWas() {
        BackfillProgress.Partition p = new BackfillProgress.Partition("st_1", 3, 0x1234_5678_9abc_def0L, 10, 20);
        assertThat(p.encode()).isEqualTo(hex(PROGRESS));
        assertThat(BackfillProgress.Partition.decode(hex(PROGRESS))).isEqualTo(p);
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
