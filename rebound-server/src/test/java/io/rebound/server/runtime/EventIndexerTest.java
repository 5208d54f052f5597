package io.rebound.server.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
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

    private RocksStore open() {
        return new RocksStore(dir.resolve("state"),
                List.of(EventIndexer.CF_EVENTS, EventIndexer.CF_DEDUP, EventIndexer.CF_OFFSETS));
    }
}
