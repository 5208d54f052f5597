package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VisitorStateCodecTest {

    @Property(tries = 300)
    void decodeInvertsEncode(@ForAll long seed, @ForAll @IntRange(min = 0, max = 60) int n) {
        VisitorState s = VisitorState.EMPTY;
        for (Event e : VisitorStateTest.randomEvents(seed, n)) {
            s = s.add(e);
        }
        assertThat(VisitorStateCodec.decode(VisitorStateCodec.encode(s))).isEqualTo(s);
    }

    /**
     * An event added to a decoded state is spliced into a copy of its bytes (the writer's path for every
     * event): in any order, with duplicates, over several write-and-read cycles, the state reads — from its
     * columns — and writes as the state built from scratch, and takes no more room.
     */
    @Property(tries = 300)
    void addingToADecodedStateWritesTheSameState(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int n) {
        List<Event> events = new java.util.ArrayList<>(VisitorStateTest.randomEvents(seed, n));
        Random r = new Random(seed);
        java.util.Collections.shuffle(events, r);
        VisitorState expected = VisitorState.EMPTY;
        for (Event e : events) {
            expected = expected.add(e);
        }
        VisitorState s = VisitorState.EMPTY;
        for (int i = 0; i < events.size(); i++) {
            s = s.add(events.get(i));
            if (r.nextInt(3) == 0) {
                s = s.add(events.get(r.nextInt(i + 1))); // a redelivery
            }
            if (r.nextInt(4) == 0) {
                s = VisitorStateCodec.decode(VisitorStateCodec.encode(s));
            }
        }
        VisitorState read = VisitorStateCodec.decode(VisitorStateCodec.encode(s));
        assertThat(s).isEqualTo(expected);
        assertThat(read).isEqualTo(expected);
        assertThat(read.size()).isEqualTo(expected.size());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.typeAt(i)).isEqualTo(expected.typeAt(i));
            assertThat(read.timeAt(i)).isEqualTo(expected.timeAt(i));
            assertThat(read.productIdsAt(i)).isEqualTo(expected.productIdsAt(i));
        }
        assertThat(VisitorStateCodec.encode(s).length).isEqualTo(VisitorStateCodec.encode(expected).length);
        assertThat(s.latestMillisByType()).isEqualTo(expected.latestMillisByType());
        assertThat(VisitorStateCodec.typeMask(s)).isEqualTo(VisitorStateCodec.typeMask(expected));
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.contains(expected.hashAt(i))).isTrue();
            assertThat(s.hashAt(i)).isEqualTo(expected.hashAt(i));
        }
        assertThat(s.contains(expected.hashAt(0) ^ 1)).isEqualTo(expected.contains(expected.hashAt(0) ^ 1));
        for (VisitorState state : List.of(s, read, expected)) {
            assertByType(state, expected);
        }
    }

    /** Each type's indices and times (what every timeline reads) are the events of that type, oldest first. */
    private static void assertByType(VisitorState state, VisitorState expected) {
        for (EventType type : EventType.values()) {
            int[] indices = java.util.stream.IntStream.range(0, expected.size())
                    .filter(i -> expected.typeAt(i) == type).toArray();
            assertThat(state.indicesOf(type)).as("%s", type).containsExactly(indices);
            assertThat(state.timesOf(type)).as("%s", type)
                    .containsExactly(java.util.Arrays.stream(indices).mapToLong(expected::timeAt).toArray());
            assertThat(state.indicesOf(type)).isSameAs(state.indicesOf(type)); // read once per state
        }
    }

    /** An event older than every retained one moves the first time; one decades away widens every offset. */
    @Test
    void addingBeforeTheFirstEventOrDecadesAwayRewritesTheTimes() {
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        VisitorState built = VisitorState.EMPTY;
        for (int i = 0; i < 5; i++) {
            built = built.add(Event.builder("st", "e" + i, EventType.VIEW_CONTENT, t.plusSeconds(i), t)
                    .anonymousId("a").products(List.of(Product.of("p" + i))).build());
        }
        Event earlier = Event.builder("st", "earlier", EventType.ADD_TO_CART, t.minusSeconds(60), t).anonymousId("a")
                .products(List.of(Product.of("p9"))).build();
        Event decadesAgo = Event.builder("st", "1990", EventType.PURCHASE, Instant.parse("1990-01-01T00:00:00Z"), t)
                .anonymousId("a").value(new BigDecimal("5.00")).currency("USD").build();
        VisitorState s = VisitorStateCodec.decode(VisitorStateCodec.encode(built));
        for (Event e : List.of(earlier, decadesAgo)) {
            s = s.add(e);
            built = built.add(e);
            assertThat(s).isEqualTo(built);
            for (int i = 0; i < s.size(); i++) {
                assertThat(s.timeAt(i)).isEqualTo(built.timeAt(i));
                assertThat(s.typeAt(i)).isEqualTo(built.typeAt(i));
            }
            assertThat(VisitorStateCodec.decode(VisitorStateCodec.encode(s))).isEqualTo(built);
            assertThat(VisitorStateCodec.encode(s).length).isEqualTo(VisitorStateCodec.encode(built).length);
        }
        assertThat(s.oldest()).isEqualTo(Instant.parse("1990-01-01T00:00:00Z"));
    }

    @Test
    void addingToADecodedStateKeepsItsBytesAndAppendsOnlyNewStrings() {
        VisitorState decoded = VisitorStateCodec.decode(VisitorStateCodec.encode(everyPart()));
        Instant t = Instant.parse("2026-03-01T00:00:30Z");
        Event between = Event.builder("st", "between", EventType.VIEW_CONTENT, t, t).anonymousId("a1")
                .products(List.of(Product.of("mat"), Product.of("new-one"))).currency("EUR").build();
        VisitorState added = decoded.add(between);
        byte[] spliced = VisitorStateCodec.encode(added);
        VisitorState read = VisitorStateCodec.decode(spliced);
        assertThat(read).isEqualTo(everyPart().add(between));
        assertThat(read.size()).isEqualTo(8);
        // One new string ("new-one") in the table; "mat" and "EUR" are the source's.
        assertThat(spliced.length).isEqualTo(VisitorStateCodec.encode(everyPart().add(between)).length);
        assertThat(decoded.add(between).add(between)).isEqualTo(added);
    }

    @Test
    void keepsExtremeValues() {
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        Event big = Event.builder("st", "big", EventType.PURCHASE, t, t).anonymousId("a")
                .value(new BigDecimal("123456789012345678901234567890.123")).currency("USD")
                .properties(java.util.Map.of("n", new BigDecimal("-1e-40"), "s", "ünïcødé")).build();
        Event early = Event.builder("st", "early", EventType.VIEW_CONTENT, Instant.EPOCH, t).anonymousId("a").build();
        VisitorState s = VisitorState.EMPTY.add(big).add(early);
        assertThat(VisitorStateCodec.decode(VisitorStateCodec.encode(s))).isEqualTo(s);
    }

    @Test
    void rejectsCorruptInput() {
        assertThatThrownBy(() -> VisitorStateCodec.decode(new byte[] {9})).isInstanceOf(IllegalArgumentException.class);
        byte[] ok = VisitorStateCodec.encode(VisitorState.EMPTY.add(VisitorStateTest.event("x", EventType.PURCHASE,
                VisitorStateTest.T0, "mat")));
        assertThatThrownBy(() -> VisitorStateCodec.decode(java.util.Arrays.copyOf(ok, ok.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Written by version 1 of the codec (event by event) from {@code randomEvents(7, 6)}: still read, and rewritten as version 2. */
    private static final String VERSION_1 = "010c027033026331035553440473697a6505636f6c6f7204626c75650376697002703402633003726564027030045175"
            + "697a06809eb5f59467e13b1a4bc3f0e8ba6301000101020303010000040005060280e6bf33cc53f58e6f4e5bb07a0107010801f277040203"
            + "03010400040009060280c4aa224289f6031d6f99c66c010a0108020303010800040009060280968418dbed218d9561fe7dfd0b010001010"
            + "1ce9b0404020303010400040005060280dccc1487a0697cda5b2950740107010801e8cd0904020303010200040009060280a295115caedb"
            + "8b8b2e1fa367010001010203030104000400050602";

    @Test
    void readsVersion1AndWritesVersion2() {
        VisitorState expected = VisitorState.EMPTY;
        for (Event e : VisitorStateTest.randomEvents(7, 6)) {
            expected = expected.add(e);
        }
        VisitorState old = VisitorStateCodec.decode(java.util.HexFormat.of().parseHex(VERSION_1));
        assertThat(old).isEqualTo(expected);
        byte[] rewritten = VisitorStateCodec.encode(old);
        assertThat(rewritten[0]).isEqualTo((byte) 2);
        assertThat(VisitorStateCodec.decode(rewritten)).isEqualTo(expected);
    }

    @Test
    void corruptBodyFailsClearlyWhenRead() {
        VisitorState s = VisitorState.EMPTY.add(VisitorStateTest.event("x", EventType.PURCHASE, VisitorStateTest.T0, "mat"));
        byte[] bytes = VisitorStateCodec.encode(s);
        // Layout: version, count, base time (6 bytes), time width, time offset (5), header, bodies length,
        // body length, products count, ref.
        int productRef = 1 + 1 + 6 + 1 + 5 + 1 + 1 + 1 + 1;
        assertThat(bytes[productRef]).isEqualTo((byte) 0);
        bytes[productRef] = 9;
        VisitorState decoded = VisitorStateCodec.decode(bytes);
        assertThat(decoded.size()).isEqualTo(1);
        assertThatThrownBy(decoded::events).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("string reference out of range");
    }

    /**
     * A typical shopper over 30 days: UUID event ids, views of a handful of catalogue products,
     * adds to cart and purchases with value and currency, a page-view now and then.
     */
    @Test
    void typicalRetainedEventTakesAtMost64Bytes() {
        Random r = new Random(42);
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        VisitorState s = VisitorState.EMPTY;
        int n = 40;
        for (int i = 0; i < n; i++) {
            t = t.plus(Duration.ofSeconds(30 + r.nextInt(36 * 3600)));
            int k = r.nextInt(10);
            EventType type = k < 5 ? EventType.VIEW_CONTENT : k < 7 ? EventType.PAGE_VIEW
                    : k < 9 ? EventType.ADD_TO_CART : EventType.PURCHASE;
            String product = "shopify-8023" + (4400 + r.nextInt(8));
            Event.Builder b = Event.builder("st", UUID.randomUUID().toString(), type, t, t).anonymousId("a")
                    .currency("USD").value(new BigDecimal("68.00"));
            if (type != EventType.PAGE_VIEW) {
                b.products(List.of(new Product(product, "Yoga mats", new BigDecimal("68.00"), 1)));
            }
            s = s.add(b.build());
        }
        double perEvent = (double) VisitorStateCodec.encode(s).length / n;
        System.out.printf("visitor state: %.1f bytes per retained event (%d events)%n", perEvent, n);
        assertThat(perEvent).isLessThanOrEqualTo(64.0);
    }

    /**
     * Events that exercise every part of the layout: a time before 1970 and a span past 2^40 ms (8-byte
     * offsets), a custom name, products with a non-ASCII id, values that fit a long and one that does
     * not, string, boolean and number properties (one per event, so the bytes do not depend on a map's
     * iteration order), and an event without a body.
     */
    static VisitorState everyPart() {
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        List<Event> events = List.of(
                Event.builder("st", "early", EventType.VIEW_CONTENT, Instant.ofEpochMilli(-1000), t0).anonymousId("a1")
                        .products(List.of(new Product("mat", "mats", new BigDecimal("68"), 1))).build(),
                Event.builder("st", "quiz", EventType.CUSTOM, t0, t0).anonymousId("a1").name("Quiz Done")
                        .properties(java.util.Map.of("score", new BigDecimal("7.5"))).build(),
                Event.builder("st", "buy", EventType.PURCHASE, t0.plusSeconds(60), t0).anonymousId("a1")
                        .products(List.of(new Product("mat", "mats", new BigDecimal("68"), 2),
                                new Product("ünï-block", "blocks", null, 1)))
                        .value(new BigDecimal("123.45")).currency("EUR")
                        .properties(java.util.Map.of("coupon", "SPRING")).build(),
                Event.builder("st", "big", EventType.PURCHASE, t0.plusSeconds(120), t0).anonymousId("a1")
                        .value(new BigDecimal("123456789012345678901234567890.123")).currency("USD")
                        .properties(java.util.Map.of("gift", true)).build(),
                Event.builder("st", "again", EventType.ADD_TO_CART, t0.plusSeconds(180), t0).anonymousId("a1")
                        .properties(java.util.Map.of("repeat", false)).build(),
                Event.builder("st", "huge", EventType.LEAD, t0.plusSeconds(240), t0).anonymousId("a1")
                        .properties(java.util.Map.of("n", new BigDecimal("123456789012345678901234567890"))).build(),
                Event.builder("st", "page", EventType.PAGE_VIEW, t0.plusSeconds(240), t0).anonymousId("a1").build());
        VisitorState s = VisitorState.EMPTY;
        for (Event e : events) {
            s = s.add(e);
        }
        return s;
    }

    /** Written by version 2 from {@link #everyPart()}: stored states must keep reading, and be written, the same. */
    private static final String VERSION_2 = "0207cf0f080000000000000000e8dfb1a69c01000048cab2a69c010000a8b4b3a69c010000"
            + "089fb4a69c0100006889b5a69c0100006889b5a69c01000001cd767642004a370401000101090200000103019601021002000402"
            + "010501f2c00104060107000808000004090a010b02050000010c0300060000010d040e0f9201036d6174046d617473095175697a"
            + "20446f6e650573636f72650bc3bc6ec3af2d626c6f636b06626c6f636b730345555206636f75706f6e06535052494e4722313233"
            + "3435363738393031323334353637383930313233343536373839302e31323303555344046769667406726570656174016e1e3132"
            + "33343536373839303132333435363738393031323334353637383930b71096955460af3836b70bbcb5c7163d628250f70d70e222"
            + "2c60a9f6a371b8813c5e45a3eee8958d79ce301fbf0a11527bf1f44bf434b570";

    @Test
    void version2BytesStayAsTheyWere() {
        byte[] golden = java.util.HexFormat.of().parseHex(VERSION_2);
        assertThat(VisitorStateCodec.encode(everyPart())).isEqualTo(golden);
        VisitorState decoded = VisitorStateCodec.decode(golden);
        assertThat(decoded).isEqualTo(everyPart());
        // Decoded events re-encoded from their objects, not copied from the source bytes, say the same.
        assertThat(VisitorStateCodec.encode(VisitorState.of(decoded.events()))).isEqualTo(golden);
    }
}
