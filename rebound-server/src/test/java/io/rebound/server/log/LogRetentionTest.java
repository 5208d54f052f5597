package io.rebound.server.log;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event-log files go only once every consumer has committed past them and everything in
 * them arrived more than the log retention ago; the file being written never goes.
 */
class LogRetentionTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    private static final Duration RETENTION = Duration.ofHours(168);

    @TempDir
    Path dir;

    /** Three files of events received at T0, T0 + 1 h and T0 + 2 h, and the active fourth (T0 + 3 h). */
    private static RollingLog logOfFourFiles(Path dir) {
        RollingLog log = new RollingLog(dir, false, 1);    // every append after the first rolls
        for (int hour = 0; hour < 4; hour++) {
            Instant at = T0.plus(Duration.ofHours(hour));
            log.append(List.of(EventCodec.encode(Event.builder("st_a", "e" + hour, EventType.PAGE_VIEW, at, at)
                    .anonymousId("v1").build()))).join();
        }
        assertThat(log.fileStarts()).hasSize(4);
        return log;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aLogFileStaysUntilEveryConsumerHasPassedItHoweverOld() throws IOException {
        try (RollingLog log = logOfFourFiles(dir)) {
            List<Long> starts = log.fileStarts();
            AtomicLong indexer = new AtomicLong(log.end());
            AtomicLong audiences = new AtomicLong(starts.get(0));
            LogRetention retention = new LogRetention(log, RETENTION, List.of(indexer::get, audiences::get));
            Instant muchLater = T0.plus(Duration.ofDays(365));

            assertThat(retention.apply(muchLater)).isZero();
            assertThat(files()).hasSize(4);

            audiences.set(starts.get(1) + 1);           // inside the second file: only the first is passed
            assertThat(retention.apply(muchLater)).isEqualTo(1);
            assertThat(log.start()).isEqualTo(starts.get(1));

            audiences.set(log.end());                   // everyone at the end: all but the active file go
            assertThat(retention.apply(muchLater)).isEqualTo(2);
            assertThat(log.fileStarts()).containsExactly(starts.get(3));
            assertThat(files()).hasSize(1);
            assertThat(log.read(log.start(), 10, 1 << 20)).hasSize(1);
        }
    }

    @Test
    void aConsumedLogFileStaysUntilItsNewestRecordIsOlderThanTheRetention() throws IOException {
        try (RollingLog log = logOfFourFiles(dir)) {
            List<Long> starts = log.fileStarts();
            LogRetention retention = new LogRetention(log, RETENTION, List.of(log::end));

            // The first file's record arrived at T0, but it is dated by the next one's first (T0 + 1 h).
            assertThat(retention.apply(T0.plus(RETENTION).plus(Duration.ofMinutes(30)))).isZero();
            assertThat(retention.apply(T0.plus(RETENTION).plus(Duration.ofHours(1)))).isZero();
            assertThat(retention.apply(T0.plus(RETENTION).plus(Duration.ofHours(1)).plusMillis(1))).isEqualTo(1);
            assertThat(log.start()).isEqualTo(starts.get(1));
            assertThat(retention.apply(T0.plus(RETENTION).plus(Duration.ofHours(3)).plusMillis(1))).isEqualTo(2);
            assertThat(files()).hasSize(1);
        }
        // Reopened, the log starts at the oldest file left and still reads it.
        try (RollingLog log = new RollingLog(dir, false, 1)) {
            assertThat(log.read(log.start(), 10, 1 << 20)).singleElement()
                    .satisfies(r -> assertThat(EventCodec.decode(r.payload()).eventId()).isEqualTo("e3"));
        }
    }
}
