package io.rebound.server.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.server.log.FileEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Privacy erasure of a visitor's raw events while the indexer keeps writing. */
class EventIndexerErasureTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    @TempDir
    Path dir;

    private static Event event(String store, String id, String visitor, Instant at) {
        return Event.builder(store, id, EventType.PAGE_VIEW, at, at).anonymousId(visitor).build();
    }

    private RocksDatabase open() {
        return new RocksDatabase(dir.resolve("state"), EventIndexer.COLUMN_FAMILIES);
    }

    @Test
    void erasesOnlyThatVisitorOfThatStoreIncludingEventsNotYetIndexedAndKeepsDedupKeys() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            log.append(List.of(event("st_a", "e1", "v1", T0), event("st_a", "e2", "v1", T0.plusSeconds(1)),
                    event("st_a", "e3", "v10", T0), event("st_b", "e1", "v1", T0))).join();
            // Acknowledged just now, maybe not indexed yet: the erasure must still cover it.
            log.append(List.of(event("st_a", "e4", "v1", T0.plusSeconds(2)))).join();

            assertThat(indexer.eraseVisitors("st_a", Set.of("v1"), 5_000))
                    .isEqualTo(new EventIndexer.Erasure(3, true));

            assertThat(indexer.visitorEvents("st_a", "v1", 100)).isEmpty();
            assertThat(indexer.visitorEvents("st_a", "v10", 100)).hasSize(1);   // a longer id is not a prefix match
            assertThat(indexer.visitorEvents("st_b", "v1", 100)).hasSize(1);    // another store's visitor
            // A client retrying an erased event is dropped as a duplicate, not filed again.
            log.append(List.of(event("st_a", "e2", "v1", T0.plusSeconds(1)))).join();
            assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
            assertThat(indexer.visitorEvents("st_a", "v1", 100)).isEmpty();
            assertThat(indexer.eraseVisitors("st_a", Set.of("v1"), 5_000).eventsRemoved()).isZero();
        }
    }

    @Test
    void everyEventAcknowledgedBeforeTheErasureIsGoneWhileTheIndexerKeepsWriting() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = open();
             EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
            AtomicInteger acknowledged = new AtomicInteger(-1);
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                // Bounded, so the indexer's catch-up at the end does not depend on how fast appends are.
                for (int i = 0; !stop.get() && i < 20_000; i++) {
                    log.append(List.of(event("st_a", "e" + i, "v1", T0.plusMillis(i)),
                            event("st_a", "other" + i, "v2", T0.plusMillis(i)))).join();
                    acknowledged.set(i);
                }
            });
            for (int round = 0; round < 5; round++) {
                while (acknowledged.get() < 200 * (round + 1)) {
                    Thread.onSpinWait();
                }
                int before = acknowledged.get();
                indexer.eraseVisitors("st_a", Set.of("v1"), 5_000);
                // What survives can only be events acknowledged after the erasure began.
                assertThat(indexer.visitorEvents("st_a", "v1", 100_000))
                        .allSatisfy(e -> assertThat(Integer.parseInt(e.eventId().substring(1))).isGreaterThan(before));
            }
            stop.set(true);
            writer.join();
            assertThat(indexer.awaitCaughtUp(30_000)).isTrue();
            assertThat(indexer.visitorEvents("st_a", "v2", 100_000)).hasSize(acknowledged.get() + 1);
        }
    }

    /**
     * Issue 10: an indexer that is behind must not make an erasure answer "done" while events
     * acknowledged before it are still to be filed: the erasure is recorded, survives a restart, and
     * those events are dropped as the indexer reaches them; later events (a new visit) are kept.
     */
    @Test
    void anErasureWhileTheIndexerIsBehindIsPendingAndDropsTheEventsAsItCatchesUpEvenAfterARestart() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false)) {
            try (RocksDatabase rocks = open();
                 EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
                log.append(List.of(event("st_a", "e1", "v1", T0))).join();
                assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
                indexer.paused = true;
                Thread.sleep(20); // a batch in flight finishes
                log.append(List.of(event("st_a", "e2", "v1", T0.plusSeconds(1)), event("st_a", "e3", "v2", T0))).join();
                EventIndexer.Erasure erasure = indexer.eraseVisitors("st_a", Set.of("v1"), 0);
                assertThat(erasure).isEqualTo(new EventIndexer.Erasure(1, false));
            }
            log.append(List.of(event("st_a", "e4", "v1", T0.plusSeconds(3)))).join();
            try (RocksDatabase rocks = open();
                 EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
                assertThat(indexer.awaitCaughtUp(5_000)).isTrue();
                assertThat(indexer.visitorEvents("st_a", "v1", 100)).extracting(Event::eventId).containsExactly("e4");
                assertThat(indexer.visitorEvents("st_a", "v2", 100)).hasSize(1);
                // Passed: the pending erasure is forgotten, and erasing again is complete at once.
                assertThat(indexer.eraseVisitors("st_a", Set.of("v1"), 5_000)).isEqualTo(new EventIndexer.Erasure(1, true));
            }
        }
    }
}
