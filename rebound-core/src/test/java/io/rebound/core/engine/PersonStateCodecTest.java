package io.rebound.core.engine;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentEvaluator;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.VisitorState;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PersonStateCodecTest {
    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

    private static Event event(String id, EventType type, Instant at) {
        return Event.builder("st", id, type, at, at).anonymousId("a1")
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1)))
                .value(new BigDecimal("68.00")).currency("USD").build();
    }

    private static PersonState person() {
        VisitorState v = VisitorState.EMPTY.add(event("e1", EventType.VIEW_CONTENT, T))
                .add(event("e2", EventType.ADD_TO_CART, T.plusSeconds(60)));
        return new PersonState("st", "p1", new PersonIds(Set.of("a1"), Set.of("u1"), Set.of()), v,
                Map.of("seg-1", new SegmentStatus(true, T.plusSeconds(60)), "seg-2", new SegmentStatus(false, T)),
                T.plusSeconds(61), T.plusSeconds(7 * 86_400));
    }

    @Test
    void roundTripsEveryField() {
        PersonState p = person();
        assertThat(PersonStateCodec.decode(PersonStateCodec.encode(p))).isEqualTo(p);
        PersonState empty = PersonState.empty("st", "p2");
        assertThat(PersonStateCodec.decode(PersonStateCodec.encode(empty))).isEqualTo(empty);
    }

    /**
     * A decoded state shares the person id its caller asked for and keeps its statuses as decoded through every
     * copy made with a change of something else; statuses handed in from outside are copied, so changing the
     * caller's map afterwards changes no state.
     */
    @Test
    void decodedStatesShareThePersonIdAskedForAndTheirStatuses() {
        byte[] bytes = PersonStateCodec.encode(person());
        String asked = new String("p1".toCharArray());
        PersonState decoded = PersonStateCodec.decode(bytes, asked, new String[0]);
        assertThat(decoded).isEqualTo(person());
        assertThat(decoded.personId()).isSameAs(asked);
        assertThat(PersonStateCodec.decode(bytes, "p2", new String[0]).personId()).isEqualTo("p1");
        PersonState changed = decoded.withIds(new PersonIds(Set.of("a1", "a2"), Set.of("u1"), Set.of()));
        assertThat(changed.segments()).isSameAs(decoded.segments());
        assertThatThrownBy(() -> decoded.segments().clear()).isInstanceOf(UnsupportedOperationException.class);

        java.util.TreeMap<String, SegmentStatus> mine = new java.util.TreeMap<>(decoded.segments());
        PersonState built = new PersonState("st", "p1", decoded.ids(), decoded.visitor(), mine, T, null);
        mine.clear();
        assertThat(built.segments()).hasSize(2).isNotSameAs(mine);
    }

    @Test
    void peekReadsTypesAndSegmentsWithoutTheEvents() {
        PersonStateCodec.Header h = PersonStateCodec.peek(PersonStateCodec.encode(person()));
        assertThat(h.segments()).containsExactlyInAnyOrder("seg-1", "seg-2");
        assertThat(h.typeMask()).isEqualTo((1L << EventType.VIEW_CONTENT.ordinal()) | (1L << EventType.ADD_TO_CART.ordinal()));
        assertThat(h.evaluatedAt()).isEqualTo(T.plusSeconds(61));
        assertThat(h.latest(EventType.VIEW_CONTENT)).isEqualTo(T.toEpochMilli());
        assertThat(h.latest(EventType.ADD_TO_CART)).isEqualTo(T.plusSeconds(60).toEpochMilli());
        assertThat(h.latest(EventType.PURCHASE)).isEqualTo(Long.MIN_VALUE);
    }

    /**
     * Written by version 3 (varint times, ids before statuses; events in the row layout of visitor
     * state version 1): person() plus a page view at T + 90 s, evaluated at T + 91 s.
     */
    private static final String VERSION_3 = "0307a0b2bb86bf6880b4b086bf68c0ddb786bf68027374027031010261310102753100f1c1bb86"
            + "bf6881c494c7c36802057365672d3101c0ddb786bf68057365672d320080b4b086bf68010308796f67612d6d6174046d617473035553"
            + "440380b4b086bf6887a0697cda5b2950310100010101a06a0402c0a9075caedb8b8b2e1fa3320100010101a06a0402e0d403e13b1a4b"
            + "c3f0e8ba000000";

    @Test
    void readsStatesWrittenByVersion3() {
        byte[] old = java.util.HexFormat.of().parseHex(VERSION_3);
        PersonState expected = person();
        expected = new PersonState(expected.storeId(), expected.personId(), expected.ids(),
                expected.visitor().add(Event.builder("st", "e3", EventType.PAGE_VIEW, T.plusSeconds(90), T.plusSeconds(90))
                        .anonymousId("a1").build()),
                expected.segments(), T.plusSeconds(91), expected.timerAt());
        assertThat(PersonStateCodec.decode(old)).isEqualTo(expected);
        PersonStateCodec.Header h = PersonStateCodec.peek(old);
        assertThat(h.hasLatest()).isTrue();
        assertThat(h.latest(EventType.ADD_TO_CART)).isEqualTo(T.plusSeconds(60).toEpochMilli());
        assertThat(h.latest(EventType.PAGE_VIEW)).isEqualTo(T.plusSeconds(90).toEpochMilli());
        assertThat(h.evaluatedAt()).isEqualTo(T.plusSeconds(91));
        assertThat(h.segments()).containsExactly("seg-1", "seg-2");
        assertThat(h.hasStatus("seg-2".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isTrue();
        assertThat(h.hasStatus("seg-3".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isFalse();
        // Re-encoding from the old bytes takes the full path (the layout changed) and writes version 5.
        PersonState decoded = PersonStateCodec.decode(old);
        byte[] rewritten = PersonStateCodec.encode(decoded, old, decoded);
        assertThat(rewritten[0]).isEqualTo((byte) 5);
        assertThat(rewritten).isEqualTo(PersonStateCodec.encode(expected));
    }

    /** Written by version 4 (no evaluated-with): person(). */
    private static final String VERSION_4 = "0406000d66f8a101000060f766f8a101000048fb66f8a10100000091721ca201000002057365672d3101"
            + "c0ddb786bf68057365672d320080b4b086bf68027374027031010261310102753100020280b4b086bf6805000000000060ea000000"
            + "313214090100010101a06a0402090100010101a06a0402031208796f67612d6d6174046d6174730355534487a0697cda5b29505cae"
            + "db8b8b2e1fa3";

    @Test
    void readsStatesWrittenByVersion4AsEvaluatedWithUnknownSegments() {
        byte[] old = java.util.HexFormat.of().parseHex(VERSION_4);
        PersonState decoded = PersonStateCodec.decode(old);
        assertThat(decoded).isEqualTo(person());
        assertThat(decoded.evaluatedWith()).isEqualTo(PersonState.UNKNOWN);
        PersonStateCodec.Header h = PersonStateCodec.peek(old);
        assertThat(h.evaluatedAt()).isEqualTo(T.plusSeconds(61));
        assertThat(h.latest(EventType.ADD_TO_CART)).isEqualTo(T.plusSeconds(60).toEpochMilli());
        assertThat(h.segments()).containsExactly("seg-1", "seg-2");
        byte[] rewritten = PersonStateCodec.encode(decoded, old, decoded);
        assertThat(rewritten[0]).isEqualTo((byte) 5);
        assertThat(PersonStateCodec.decode(rewritten)).isEqualTo(decoded);
    }

    @Test
    void keepsWhichSegmentVersionsAStateWasEvaluatedWith() {
        PersonState p = person();
        PersonState with = new PersonState(p.storeId(), p.personId(), p.ids(), p.visitor(), p.segments(), p.evaluatedAt(),
                p.timerAt(), 0x1234_5678_9abc_def0L);
        byte[] bytes = PersonStateCodec.encode(with);
        assertThat(PersonStateCodec.decode(bytes).evaluatedWith()).isEqualTo(0x1234_5678_9abc_def0L);
        assertThat(PersonStateCodec.peek(bytes).segments()).containsExactly("seg-1", "seg-2");
        assertThat(PersonStateCodec.peek(bytes).evaluatedAt()).isEqualTo(p.evaluatedAt());
        // A timer's result is spliced into the stored bytes, evaluated-with included.
        PersonState decoded = PersonStateCodec.decode(bytes);
        PersonState next = new PersonState(p.storeId(), p.personId(), decoded.ids(), decoded.visitor(), Map.of(),
                p.evaluatedAt().plusSeconds(1), null, 42);
        byte[] spliced = PersonStateCodec.encode(next, bytes, decoded);
        assertThat(spliced).isEqualTo(PersonStateCodec.encode(next));
        assertThat(PersonStateCodec.decode(spliced).evaluatedWith()).isEqualTo(42);
    }

    @Test
    void keepsTheStatedAdvertisingConsent() {
        PersonState p = person();
        for (AdConsent c : List.of(AdConsent.UNSTATED, new AdConsent(false, T), new AdConsent(true, T.plusSeconds(5)))) {
            PersonState with = new PersonState(p.storeId(), p.personId(), p.ids(), p.visitor(), p.segments(),
                    p.evaluatedAt(), p.timerAt(), 7, c);
            byte[] bytes = PersonStateCodec.encode(with);
            assertThat(PersonStateCodec.decode(bytes)).isEqualTo(with);
            assertThat(PersonStateCodec.peek(bytes).segments()).containsExactly("seg-1", "seg-2");
            PersonState decoded = PersonStateCodec.decode(bytes);
            PersonState next = new PersonState(p.storeId(), p.personId(), decoded.ids(), decoded.visitor(), Map.of(),
                    p.evaluatedAt().plusSeconds(1), null, 8, new AdConsent(false, T.plusSeconds(9)));
            assertThat(PersonStateCodec.encode(next, bytes, decoded)).isEqualTo(PersonStateCodec.encode(next));
        }
    }

    /** Written by version 2 (no latest time per type): a viewer and add-to-cart of "mat", member of "seg". */
    private static final String VERSION_2 = "020602737404613a7631010276310000c1ddc08d956781c49dce9967010373656701c0ddc08d95"
            + "670103036d6174046d617473035553440280b4b98d956787a0697cda5b295031010001010188010002c0a9075caedb8b8b2e1fa3"
            + "32010001010188010002";

    @Test
    void readsStatesWrittenByVersion2() {
        byte[] old = java.util.HexFormat.of().parseHex(VERSION_2);
        PersonState p = PersonStateCodec.decode(old);
        Instant t = Instant.parse("2026-03-01T10:00:00Z");
        assertThat(p.personId()).isEqualTo("a:v1");
        assertThat(p.memberships()).containsEntry("seg", t.plusSeconds(60));
        assertThat(p.visitor().events()).extracting(e -> e.type() + " " + e.time() + " " + e.productIds())
                .containsExactly("VIEW_CONTENT " + t + " [mat]", "ADD_TO_CART " + t.plusSeconds(60) + " [mat]");
        PersonStateCodec.Header h = PersonStateCodec.peek(old);
        assertThat(h.hasLatest()).isFalse();
        assertThat(h.segments()).containsExactly("seg");
        // Rewritten in the current version, it says the same.
        assertThat(PersonStateCodec.decode(PersonStateCodec.encode(p))).isEqualTo(p);
        // A backfill over it reads the events instead of the missing header times, and decides the same.
        var abandoners = SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);
        var processor = new AudienceProcessor("st", List.of(new io.rebound.core.segment.Segment("st", "new", abandoners,
                t.plus(java.time.Duration.ofDays(8)))), java.time.Duration.ofDays(30));
        assertThat(new SegmentBackfill(processor, "new").step(old, t.plus(java.time.Duration.ofDays(8)))).isNull();
        assertThat(new SegmentBackfill(processor, "new").step(old, t.plus(java.time.Duration.ofDays(6)))).isNotNull();
    }

    @Test
    void typeMaskTellsWhoCannotQualify() {
        long viewedOnly = 1L << EventType.VIEW_CONTENT.ordinal();
        long added = viewedOnly | (1L << EventType.ADD_TO_CART.ordinal());
        var abandoners = SegmentEvaluator.plan(SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE));
        assertThat(abandoners.mayMatch(viewedOnly)).isFalse();
        assertThat(abandoners.mayMatch(added)).isTrue();
        // Exclusions never make a person impossible: only missing include types do.
        assertThat(SegmentEvaluator.plan(SegmentTemplates.productViewers(14, SegmentTemplates.Scope.STORE)).mayMatch(viewedOnly))
                .isTrue();
    }

    @Test
    void corruptBytesAreRejectedClearly() {
        byte[] bytes = PersonStateCodec.encode(person());
        assertThatThrownBy(() -> PersonStateCodec.decode(java.util.Arrays.copyOf(bytes, 10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PersonStateCodec.decode(new byte[]{1}))
                .hasMessageContaining("version");
    }

    /**
     * A person using every part of version 5: several ids of a kind, non-ASCII ids, a custom event with
     * a property, statuses of both kinds (one dated before 1970), evaluated-with and a stated consent.
     */
    private static PersonState everyPart() {
        VisitorState v = VisitorState.EMPTY.add(event("e1", EventType.VIEW_CONTENT, T))
                .add(Event.builder("st", "e2", EventType.ADD_TO_CART, T.plusSeconds(60), T).anonymousId("a1")
                        .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build())
                .add(Event.builder("st", "e3", EventType.CUSTOM, T.plusSeconds(90), T).anonymousId("a1").name("Quiz")
                        .properties(Map.of("level", "pro")).build());
        return new PersonState("st", "u:ü-user", new PersonIds(Set.of("a1", "a2"), Set.of("ü-user"), Set.of("5e884898da")),
                v, Map.of("seg-1", new SegmentStatus(true, T.plusSeconds(60)), "seg-2", new SegmentStatus(false, T),
                        "seg-ü", new SegmentStatus(true, Instant.ofEpochMilli(-5))),
                T.plusSeconds(91), T.plusSeconds(7 * 86_400), 0x1234_5678_9abc_def0L, new AdConsent(true, T.plusSeconds(5)));
    }

    /** Written by version 5 from {@link #everyPart()}. */
    private static final String VERSION_5 = "058640000d66f8a101000060f766f8a1010000906c67f8a1010000787067f8a10100000091721ca2"
            + "010000f0debc9a7856341201882066f8a101000003057365672d3101c0ddb786bf68057365672d320080b4b086bf68067365672d"
            + "c3bc010902737409753ac3bc2d75736572020261310261320107c3bc2d75736572010a35653838343839386461020380b4b086bf"
            + "6805000000000060ea000000905f0100003102cd17090100010101a06a040204010001010703000001040005062108796f67612d"
            + "6d6174046d61747303555344045175697a056c6576656c0370726f87a0697cda5b29505caedb8b8b2e1fa3e13b1a4bc3f0e8ba";

    /** Written by version 5 from {@code PersonState.empty("st", "a:v1")}: no time, no consent, no event. */
    private static final String VERSION_5_EMPTY = "0500000000000000008000000000000000800000000000000000000002737404613a7631"
            + "0000000200000000";

    @Test
    void version5BytesStayAsTheyWere() {
        byte[] golden = java.util.HexFormat.of().parseHex(VERSION_5);
        assertThat(PersonStateCodec.encode(everyPart())).isEqualTo(golden);
        PersonState decoded = PersonStateCodec.decode(golden);
        assertThat(decoded).isEqualTo(everyPart());
        assertThat(PersonStateCodec.encode(decoded, golden, decoded)).isEqualTo(golden);
        PersonStateCodec.Header h = PersonStateCodec.peek(golden);
        assertThat(h.evaluatedAt()).isEqualTo(T.plusSeconds(91));
        assertThat(h.latest(EventType.CUSTOM)).isEqualTo(T.plusSeconds(90).toEpochMilli());
        assertThat(h.segments()).containsExactly("seg-1", "seg-2", "seg-ü");

        byte[] empty = java.util.HexFormat.of().parseHex(VERSION_5_EMPTY);
        assertThat(PersonStateCodec.encode(PersonState.empty("st", "a:v1"))).isEqualTo(empty);
        assertThat(PersonStateCodec.decode(empty)).isEqualTo(PersonState.empty("st", "a:v1"));
    }

    @Test
    void googleEmailHashesAreKeptInVersion6AndAStateWithoutThemKeepsVersion5() {
        PersonState p = everyPart();
        String plain = "a".repeat(64);
        String google = "b".repeat(64);
        PersonIds ids = new PersonIds(p.ids().anonymousIds(), p.ids().userIds(), Set.of(plain, "5e884898da"),
                Map.of(plain, google));
        PersonState with = new PersonState(p.storeId(), p.personId(), ids, p.visitor(), p.segments(), p.evaluatedAt(),
                p.timerAt(), p.evaluatedWith(), p.consent());
        byte[] bytes = PersonStateCodec.encode(with);
        assertThat(bytes[0]).isEqualTo((byte) 6);
        PersonState decoded = PersonStateCodec.decode(bytes);
        assertThat(decoded).isEqualTo(with);
        assertThat(decoded.ids().googleEmailHashes()).containsExactly(Map.entry(plain, google));
        PersonStateCodec.Header h = PersonStateCodec.peek(bytes);
        assertThat(h.evaluatedAt()).isEqualTo(T.plusSeconds(91));
        assertThat(h.segments()).containsExactly("seg-1", "seg-2", "seg-ü");
        // A timer's result spliced into version-6 bytes keeps the Google hashes.
        PersonState next = new PersonState(p.storeId(), p.personId(), decoded.ids(), decoded.visitor(), Map.of(),
                p.evaluatedAt().plusSeconds(1), null, 9, p.consent());
        byte[] spliced = PersonStateCodec.encode(next, bytes, decoded);
        assertThat(spliced).isEqualTo(PersonStateCodec.encode(next));
        assertThat(PersonStateCodec.decode(spliced).ids().googleEmailHashes()).containsEntry(plain, google);
        // Without any, the bytes are version 5's, as before the Google hashes existed.
        assertThat(PersonStateCodec.encode(p)[0]).isEqualTo((byte) 5);
    }
}
