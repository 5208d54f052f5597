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
}
