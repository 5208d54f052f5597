package io.rebound.server.commerce;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CoPurchasesTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static Event event(String store, String id, EventType type, String... products) {
        List<Product> lines = new ArrayList<>();
        for (String p : products) {
            lines.add(new Product(p, null, null, 1));
        }
        return new Event(store, id, type, null, "v-" + id, null, null, lines, null, null, T, T, null, null, null,
                null, null, null, null, null, Source.SEGMENT);
    }

    @Test
    void aPairCountsOnceTwoOrdersHeldItAndOnlyPurchasesCount() {
        CoPurchases c = new CoPurchases();
        c.replayed(event("st_a", "o1", EventType.PURCHASE, "mat", "block"));
        c.replayDone(1, List.of());
        assertThat(c.with("st_a", "mat", 10)).isEmpty();
        c.accepted(List.of(event("st_a", "o2", EventType.PURCHASE, "block", "mat", "strap"),
                event("st_a", "c1", EventType.ADD_TO_CART, "mat", "towel"),
                event("st_a", "c2", EventType.ADD_TO_CART, "mat", "towel")));
        assertThat(c.with("st_a", "mat", 10)).containsExactly("block");
        assertThat(c.with("st_a", "block", 10)).containsExactly("mat");
        assertThat(c.together("st_a", "mat", "strap")).isEqualTo(1);
        assertThat(c.together("st_a", "mat", "towel")).isZero();
    }

    @Test
    void storesAreCountedApart() {
        CoPurchases c = new CoPurchases();
        c.replayDone(0, List.of());
        c.accepted(List.of(event("st_a", "o1", EventType.PURCHASE, "mat", "block"),
                event("st_a", "o2", EventType.PURCHASE, "mat", "block")));
        assertThat(c.with("st_a", "mat", 10)).containsExactly("block");
        assertThat(c.with("st_b", "mat", 10)).isEmpty();
    }

    @Test
    void newBatchesWaitForTheReplayWhichHandsOverThoseItDidNotHold() {
        CoPurchases c = new CoPurchases();
        Event o1 = event("st_a", "o1", EventType.PURCHASE, "mat", "block");
        Event o2 = event("st_a", "o2", EventType.PURCHASE, "mat", "block");
        c.accepted(List.of(o2)); // during the replay: not counted here
        c.replayed(o1);
        c.replayDone(1, List.of(o2));
        assertThat(c.ready()).isTrue();
        assertThat(c.together("st_a", "mat", "block")).isEqualTo(2);
    }

    @Test
    void partnersPerProductAreBoundedAndTheRestIsCountedAsDropped() {
        CoPurchases c = new CoPurchases();
        c.replayDone(0, List.of());
        for (int i = 0; i < CoPurchases.MAX_PARTNERS + 5; i++) {
            c.accepted(List.of(event("st_a", "o" + i, EventType.PURCHASE, "mat", "p" + i)));
        }
        assertThat(c.together("st_a", "mat", "p0")).isEqualTo(1);
        assertThat(c.together("st_a", "mat", "p" + (CoPurchases.MAX_PARTNERS + 1))).isZero();
        assertThat(c.dropped()).isEqualTo(5);
    }
}
