package io.rebound.server.audience;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.server.log.EventCodec;
import io.rebound.server.runtime.DeadLetters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audience writer and the records it cannot process: a record that fails (with an exception or
 * an {@link Error}) is set aside after a few tries and the writer moves on; a stored position past
 * the end of a log whose tail was lost is brought back to that end.
 */
class EmbeddedRuntimePoisonRecordTest {
    private static final String STORE = "st_poison";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE);

    private static Event view(String id, String visitor, Instant at) {
        return Event.builder(STORE, id, EventType.VIEW_CONTENT, at, at).anonymousId(visitor).build();
    }

    @Test
    void aRecordThatCannotBeDecodedIsSetAsideAndTheWriterMovesOn() throws Exception {
        try (AudienceHarness h = META.freshHarness()) {
            long poison = h.log.records().end();
            h.log.records().append(List.of("{this is not an event".getBytes(StandardCharsets.UTF_8))).join();
            h.append(view("after", "v-after", T0));
            assertThat(h.runtime.awaitCaughtUp(20_000)).as("the writer got past the poison record").isTrue();
            assertThat(h.personOf(STORE, "v-after")).isPresent();
            DeadLetters stored = new DeadLetters(h.rocks, h.clock);
            assertThat(stored.count()).isEqualTo(1);
            assertThat(stored.last().orElseThrow().consumer()).isEqualTo("audience");
            assertThat(stored.last().orElseThrow().position()).isEqualTo(poison);
            assertThat(stored.last().orElseThrow().attempts()).isEqualTo(DeadLetters.MAX_ATTEMPTS);
        }
    }

    @Test
    void anErrorThrownByARecordDoesNotKillTheWriter() throws Exception {
        try (AudienceHarness h = META.freshHarness()) {
            // 2^31 - 1 products announced: decoding asks for an array larger than the VM allows.
            h.log.records().append(List.of(new byte[]{(byte) 0xB2, 0, 0, 0, 0, 0, 0, 0,
                    (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07})).join();
            h.append(view("after", "v-after", T0));
            assertThat(h.runtime.awaitCaughtUp(20_000)).as("the writer got past the record").isTrue();
            assertThat(h.runtime.stopped()).isFalse();
            assertThat(h.personOf(STORE, "v-after")).isPresent();
            assertThat(new DeadLetters(h.rocks, h.clock).last().orElseThrow().error()).contains("OutOfMemoryError");
        }
    }

    @Test
    void aStoredPositionBeyondATruncatedLogIsClampedToItsEnd() throws Exception {
        try (AudienceHarness h = META.freshHarness()) {
            long kept = h.log.records().append(List.of(EventCodec.encode(view("e1", "v1", T0)))).join();
            h.append(view("lost-2", "v2", T0.plusSeconds(2)), view("lost-3", "v3", T0.plusSeconds(3)));
            h.runtime.sync();
            assertThat(h.runtime.position()).isGreaterThan(kept);
            // The log lost its tail while the runtime's state survived: cut it mid-record.
            h.whileStopped(rocks -> {
                try (FileChannel ch = FileChannel.open(h.dir.resolve("log").resolve(String.format("%020d.log", 0)),
                        StandardOpenOption.WRITE)) {
                    ch.truncate(kept + 20);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(h.log.records().end()).isEqualTo(kept);
            h.append(view("new-4", "v4", T0.plusSeconds(4)));
            assertThat(h.runtime.awaitCaughtUp(5_000)).isTrue();
            assertThat(h.runtime.position()).isEqualTo(h.log.records().end());
            assertThat(h.personOf(STORE, "v4")).isPresent();
        }
    }
}
