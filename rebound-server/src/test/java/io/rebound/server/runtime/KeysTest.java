package io.rebound.server.runtime;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeysTest {

    /**
     * Keys already in RocksDB must be found again: the layout of a key never changes, nor the event-id
     * hash in the event table's keys ({@code Hash64.fnv1aUtf16}, golden values in core's Hash64Test).
     */
    @Test
    void keyLayoutsStayAsTheyWere() {
        assertThat(HexFormat.of().formatHex(Keys.key().str("st_1").str("ev-1").i64(-2).build()))
                .isEqualTo("000473745f31000465762d31fffffffffffffffe");
        Event ascii = Event.builder("st_1", "ev-1", EventType.PURCHASE, Instant.parse("2026-11-20T10:15:30.123Z"),
                Instant.parse("2026-11-20T10:15:31.456Z")).anonymousId("anon-1").build();
        assertThat(HexFormat.of().formatHex(EventIndexer.eventKey(ascii)))
                .isEqualTo("000473745f310006616e6f6e2d31000001a1f8743e4bd68fca6084eb0c44");
        Event nonAscii = Event.builder("st_ü", "évènement", EventType.PAGE_VIEW, Instant.ofEpochMilli(1_700_000_000_000L),
                Instant.ofEpochMilli(1_700_000_000_000L)).anonymousId("vïsitor").build();
        assertThat(HexFormat.of().formatHex(EventIndexer.eventKey(nonAscii)))
                .isEqualTo("000573745fc3bc000876c3af7369746f720000018bcfe56800f4c9cf32089b379f");
    }

    @Test
    void stringsReadBackFromAKey() {
        ByteBuffer key = ByteBuffer.wrap(Keys.key().str("st_ü").str("").str("v").i64(7).build());
        assertThat(Keys.readStr(key)).isEqualTo("st_ü");
        Keys.skipStr(key);
        assertThat(Keys.readStr(key)).isEqualTo("v");
        assertThat(key.getLong()).isEqualTo(7);
    }

    @Test
    void keysBuiltOneAfterAnotherOnAThreadAreEachWhole() {
        String longId = "p".repeat(300); // beyond the scratch buffer's first size
        byte[] first = Keys.key().str("st_1").str(longId).build();
        byte[] second = Keys.key().str("a").i64(1).build();
        assertThat(first).hasSize(2 + 4 + 2 + 300);
        assertThat(HexFormat.of().formatHex(second)).isEqualTo("000161" + "0000000000000001");
        assertThat(Keys.readStr(ByteBuffer.wrap(first).position(6))).isEqualTo(longId);
    }

    @Test
    void aBuilderUsedAfterAnotherWasStartedFailsInsteadOfMixingKeys() {
        Keys.Builder stale = Keys.key().str("st_1");
        Keys.key().str("other");
        assertThatThrownBy(() -> stale.str("p")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(stale::build).isInstanceOf(IllegalStateException.class);
    }
}
