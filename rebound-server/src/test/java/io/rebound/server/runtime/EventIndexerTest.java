package io.rebound.server.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.FileEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

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
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
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
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "v1", T0))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
        }
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "v1", T0), event("st_a", "e3", "v1", T0.plusSeconds(1)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "e3");
        }
    }

    @Test
    void visitorIdsCannotForgeAnotherStoresPrefix() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "x", T0), event("st_ax", "e2", "", T0))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(ids(indexer.visitorEvents("st_a", "x", 100))).containsExactly("e1");
        }
    }

    @Test
    void aStoredPositionBeyondATruncatedLogIsClampedToItsEnd() throws Exception {
        Path logDir = dir.resolve("log");
        long kept;
        try (FileEventLog log = new FileEventLog(logDir, false);
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
            kept = log.segments().append(List.of(EventCodec.encode(event("st_a", "e1", "v1", T0)))).join();
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
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry())) {
            assertThat(log.segments().end()).isEqualTo(kept);
            log.append(List.of(event("st_a", "new-4", "v1", T0.plusSeconds(4)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(indexer.position()).isEqualTo(log.segments().end());
            assertThat(ids(indexer.visitorEvents("st_a", "v1", 100))).containsExactly("e1", "lost-2", "lost-3", "new-4");
        }
    }

    private RocksStore open() {
        return new RocksStore(dir.resolve("state"),
                List.of(EventIndexer.CF_EVENTS, EventIndexer.CF_DEDUP, EventIndexer.CF_OFFSETS));
    }
}
