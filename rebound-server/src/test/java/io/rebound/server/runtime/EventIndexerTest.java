package io.rebound.server.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.store.Store;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.log.FileEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
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
    void purgeDeletesExactlyTheEventsAndDedupKeysOlderThanTheirStoresRetention() throws Exception {
        MutableClock clock = new MutableClock(T0);
        StoreRetentions retentions = new StoreRetentions(id -> Optional.of(
                new Store(id, id, "wk_" + id, false, id.equals("st_a") ? 1 : 3, T0)));
        int visitors = 2_500;   // more expired events than one purge chunk
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksStore rocks = open();
             EventIndexer indexer = new EventIndexer(log.segments(), rocks, new SimpleMeterRegistry(), retentions, clock)) {
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

    private static long count(RocksStore rocks, String family) {
        long n = 0;
        try (org.rocksdb.RocksIterator it = rocks.db().newIterator(rocks.family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    private RocksStore open() {
        return new RocksStore(dir.resolve("state"),
                List.of(EventIndexer.CF_EVENTS, EventIndexer.CF_DEDUP, EventIndexer.CF_OFFSETS));
    }
}
