package io.rebound.server.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.log.EventCodec;
import io.rebound.core.store.Store;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.log.FileEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EventIndexerTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    @TempDir
    Path dir;

    private static Event event(String store, String id, String visitor, Instant at) {
        return Event.builder(store, id, EventType.VIEW_CONTENT, at, T0.plusSeconds(3600)).anonymousId(visitor)
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1)))
                .value(new BigDecimal("68")).currency("USD").build();
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(Event::eventId).toList();
    }

    @Test
    void filesEventsByVisitorInEventTimeOrderAndDropsDuplicates() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e2", "v1", T0.plusSeconds(20)),
                    event("st_a", "e1", "v1", T0.plusSeconds(10)),   // late: earlier event time, later arrival
                    event("st_a", "e2", "v1", T0.plusSeconds(20)),   // duplicate in the same batch
                    event("st_b", "e1", "v1", T0))).join();            // same ids, other store: distinct
            log.append(List.of(event("st_a", "e1", "v1", T0.plusSeconds(10)))).join(); // duplicate, later batch
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "e2");
            assertThat(ids(indexer.visitorEvents("st_b", "v1", 100))).containsExactly("e1");
            assertThat(indexer.visitorEvents("st_a", "v2", 100)).isEmpty();
        }
    }

    @Test
    void restartResumesFromTheCommittedPositionWithoutReindexing() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "v1", T0))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
        }
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "v1", T0), event("st_a", "e3", "v1", T0.plusSeconds(1)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "e3");
        }
    }

    @Test
    void visitorIdsCannotForgeAnotherStoresPrefix() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "x", T0), event("st_ax", "e2", "", T0))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "x", 100))).containsExactly("e1");
        }
    }

    /** Bytes that no codec can decode. */
    static byte[] undecodable() {
        return "{this is not an event".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A version-2 record announcing 2^31 - 1 products: decoding it asks for an array larger than
     * the VM allows, an {@link OutOfMemoryError} rather than an exception.
     */
    static byte[] decodingThrowsAnError() {
        return new byte[]{(byte) 0xB2, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
    }

    @Test
    void aRecordThatCannotBeDecodedIsSetAsideAndIndexingMovesOn() throws Exception {
        long poison;
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open()) {
            DeadLetters letters = new DeadLetters(rocks, Clock.systemUTC());
            try (EventIndexer indexer = new EventIndexer(log.records(), rocks, letters, new SimpleMeterRegistry())) {
                poison = log.records().append(List.of(EventCodec.encode(event("st_a", "before", "v1", T0)))).join();
                log.records().append(List.of(undecodable())).join();
                log.append(List.of(event("st_a", "after", "v1", T0.plusSeconds(1)))).join();
                assertThat(indexer.awaitCaughtUp(20_000)).as("indexer got past the poison record").isTrue();
                assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("before", "after");
                assertThat(letters.count()).isEqualTo(1);
                var letter = letters.last().orElseThrow();
                assertThat(letter.consumer()).isEqualTo("indexer");
                assertThat(letter.position()).isEqualTo(poison);
                assertThat(letter.attempts()).isEqualTo(DeadLetters.MAX_ATTEMPTS);
                assertThat(letter.error()).contains("corrupt event record");
            }
        }
        try (RocksDatabase rocks = open()) {
            DeadLetters reopened = new DeadLetters(rocks, Clock.systemUTC());
            assertThat(reopened.count()).as("dead letters are stored").isEqualTo(1);
            assertThat(reopened.last().orElseThrow().position()).isEqualTo(poison);
            assertThat(rocks.get(DeadLetters.CF, DeadLetters.key("indexer", poison)))
                    .asString(java.nio.charset.StandardCharsets.UTF_8)
                    .contains(java.util.Base64.getEncoder().encodeToString(undecodable()));
        }
    }

    @Test
    void aRecordDamagedOnDiskIsSetAsideAndIndexingResumesAfterIt() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open()) {
            long damaged = log.records().append(List.of(EventCodec.encode(event("st_a", "e1", "v1", T0)))).join();
            log.append(List.of(event("st_a", "rotten", "v1", T0.plusSeconds(1)))).join();
            log.append(List.of(event("st_a", "e3", "v1", T0.plusSeconds(2)))).join();
            // Bit rot in the second record's payload (8 bytes of frame header, then the payload).
            Path segment = dir.resolve("log").resolve(String.format("%020d.log", 0));
            try (var ch = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[]{0x42}), damaged + 8 + 5);
            }
            DeadLetters letters = new DeadLetters(rocks, Clock.systemUTC());
            try (EventIndexer indexer = new EventIndexer(log.records(), rocks, letters, new SimpleMeterRegistry())) {
                assertThat(indexer.awaitCaughtUp(20_000)).isTrue();
                assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "e3");
                assertThat(letters.last().orElseThrow().error()).contains("CRC mismatch");
                assertThat(letters.last().orElseThrow().position()).isEqualTo(damaged);
            }
        }
    }

    @Test
    void anErrorThrownByARecordDoesNotKillTheIndexer() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open()) {
            DeadLetters letters = new DeadLetters(rocks, Clock.systemUTC());
            try (EventIndexer indexer = new EventIndexer(log.records(), rocks, letters, new SimpleMeterRegistry())) {
                log.records().append(List.of(decodingThrowsAnError())).join();
                log.append(List.of(event("st_a", "after", "v1", T0))).join();
                assertThat(indexer.awaitCaughtUp(20_000)).as("indexer got past the record").isTrue();
                assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("after");
                assertThat(letters.last().orElseThrow().error()).contains("OutOfMemoryError");
            }
        }
    }

    @Test
    void aStoredPositionBeyondATruncatedLogIsClampedToItsEnd() throws Exception {
        Path logDir = dir.resolve("log");
        long kept;
        try (FileEventLog log = new FileEventLog(logDir, false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            kept = log.records().append(List.of(EventCodec.encode(event("st_a", "e1", "v1", T0)))).join();
            log.append(List.of(event("st_a", "lost-2", "v1", T0.plusSeconds(2)),
                    event("st_a", "lost-3", "v1", T0.plusSeconds(3)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
        }
        // The log lost its tail (the indexer's state survived, the log's pages did not): cut mid-record.
        Path segment = logDir.resolve(String.format("%020d.log", 0));
        try (var ch = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(kept + 20);
        }
        try (FileEventLog log = new FileEventLog(logDir, false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            assertThat(log.records().end()).isEqualTo(kept);
            log.append(List.of(event("st_a", "new-4", "v1", T0.plusSeconds(4)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(indexer.position()).isEqualTo(log.records().end());
            assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "lost-2", "lost-3", "new-4");
        }
    }

    @Test
    void purgeDeletesExactlyTheEventsAndDedupKeysOlderThanTheirStoresRetention() throws Exception {
        MutableClock clock = new MutableClock(T0);
        StoreRetentions retentions = new StoreRetentions(id -> Optional.of(
                new Store(id, id, "wk_" + id, false, id.equals("st_a") ? 1 : 3, T0)));
        int visitors = 2_500;   // more expired events than one purge chunk
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks,
                     new DeadLetters(rocks, clock), new SimpleMeterRegistry(), retentions, clock)) {
            List<Event> events = new ArrayList<>();
            for (String store : List.of("st_a", "st_b")) {
                for (int v = 0; v < visitors; v++) {
                    for (int hoursAgo : List.of(20, 10, 1)) {
                        events.add(event(store, "e" + v + "-" + hoursAgo, "v" + v, T0.minus(Duration.ofHours(hoursAgo))));
                    }
                }
            }
            log.append(events).join();
            assertThat(indexer.awaitCaughtUp(20_000)).isTrue();
            assertThat(count(rocks, EventIndexer.CF_EVENTS)).isEqualTo(6 * visitors);

            clock.set(T0.plus(Duration.ofHours(5)));      // st_a (1 day) loses what happened 20 h before T0
            assertThat(indexer.purgeExpired(clock.instant())).isEqualTo(new EventRetention.Purged(visitors, visitors));
            assertThat(ids(indexer.visitorEvents("st_a", "v7", 10))).containsExactly("e7-10", "e7-1");
            assertThat(ids(indexer.visitorEvents("st_b", "v7", 10))).containsExactly("e7-20", "e7-10", "e7-1");

            clock.set(T0.plus(Duration.ofHours(15)));
            assertThat(indexer.purgeExpired(clock.instant())).isEqualTo(new EventRetention.Purged(visitors, visitors));
            assertThat(ids(indexer.visitorEvents("st_a", "v7", 10))).containsExactly("e7-1");
            assertThat(count(rocks, EventIndexer.CF_EVENTS)).isEqualTo(4 * visitors);
            assertThat(count(rocks, EventIndexer.CF_DEDUP)).isEqualTo(4 * visitors);

            // A copy of a purged event arriving later is expired, not filed again; a fresh one is.
            log.append(List.of(event("st_a", "e7-20", "v7", T0.minus(Duration.ofHours(20))),
                    event("st_a", "e7-now", "v7", clock.instant()))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "v7", 10))).containsExactly("e7-1", "e7-now");
        }
    }

    private static long count(RocksDatabase rocks, String family) {
        long n = 0;
        try (org.rocksdb.RocksIterator it = rocks.db().newIterator(rocks.family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    private RocksDatabase open() {
        return new RocksDatabase(dir.resolve("state"), EventIndexer.COLUMN_FAMILIES);
    }
}
