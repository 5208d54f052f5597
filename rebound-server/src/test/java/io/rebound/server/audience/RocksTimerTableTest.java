package io.rebound.server.audience;

import io.rebound.core.engine.TimerTable.Timer;
import io.rebound.server.runtime.RocksDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded timer table against a plain model: at most one timer per person, {@code dueBy} earliest
 * first (then store, then person), {@code nextDue} the earliest, and what a reopened table reads back
 * from RocksDB the same as what was committed. Randomised: reschedules to a new instant, back to an
 * old one (the case a lazily deleted heap entry could answer twice), to the same one, and removals,
 * with enough of them that stale entries force rebuilds.
 */
class RocksTimerTableTest {
    private static final long T0 = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    private static final Comparator<Timer> ORDER = Comparator.comparing(Timer::due)
            .thenComparing(Timer::storeId).thenComparing(Timer::personId);

    @TempDir
    Path root;

    @Test
    void answersLikeAMapOfPersonToDueThroughReschedulesRemovalsRebuildsAndReopening() {
        Random random = new Random(20261204);
        Map<String, Timer> model = new HashMap<>();
        try (RocksDatabase rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL)) {
            UnitOfWork uow = new UnitOfWork(rocks);
            RocksTimerTable timers = new RocksTimerTable(uow);
            for (int step = 0; step < 60_000; step++) {
                String store = "st_" + random.nextInt(3);
                String person = "p" + random.nextInt(400);
                String key = store + "\0" + person;
                int roll = random.nextInt(100);
                if (roll < 10) {
                    timers.set(store, person, null);
                    model.remove(key);
                } else if (roll < 20 && model.containsKey(key)) {
                    timers.set(store, person, model.get(key).due()); // unchanged
                } else {
                    // Few distinct instants, so persons share dues and move back to instants they left.
                    Instant due = Instant.ofEpochMilli(T0 + random.nextInt(50) * 1_000L);
                    timers.set(store, person, due);
                    model.put(key, new Timer(store, person, due));
                }
                if (step % 997 == 0) {
                    assertAgrees(timers, model, Instant.ofEpochMilli(T0 + random.nextInt(55) * 1_000L), 1 + random.nextInt(40));
                }
            }
            assertAgrees(timers, model, Instant.ofEpochMilli(T0 + 60_000), Integer.MAX_VALUE);
            uow.commit();
            RocksTimerTable reopened = new RocksTimerTable(new UnitOfWork(rocks));
            assertAgrees(reopened, model, Instant.ofEpochMilli(T0 + 60_000), Integer.MAX_VALUE);
            assertAgrees(reopened, model, Instant.ofEpochMilli(T0 + 20_000), 7);
        }
    }

    @Test
    void dueTimersStayDueUntilRescheduledAndEmptyHasNoNextDue() {
        try (RocksDatabase rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL)) {
            RocksTimerTable timers = new RocksTimerTable(new UnitOfWork(rocks));
            assertThat(timers.nextDue()).isNull();
            Instant due = Instant.ofEpochMilli(T0);
            timers.set("st", "a", due);
            timers.set("st", "b", due.plusSeconds(5));
            assertThat(timers.dueBy(due, 10)).extracting(Timer::personId).containsExactly("a");
            assertThat(timers.dueBy(due, 10)).extracting(Timer::personId).as("asking again").containsExactly("a");
            timers.set("st", "a", due.plusSeconds(10));
            assertThat(timers.dueBy(due, 10)).isEmpty();
            assertThat(timers.nextDue()).isEqualTo(due.plusSeconds(5));
            timers.set("st", "a", null);
            timers.set("st", "b", null);
            assertThat(timers.nextDue()).isNull();
        }
    }

    private static void assertAgrees(RocksTimerTable timers, Map<String, Timer> model, Instant now, int limit) {
        List<Timer> expected = new ArrayList<>(model.values().stream()
                .filter(t -> !t.due().isAfter(now)).sorted(ORDER).limit(limit).toList());
        assertThat(timers.dueBy(now, limit)).isEqualTo(expected);
        assertThat(timers.nextDue()).isEqualTo(model.values().stream().map(Timer::due).min(Comparator.naturalOrder())
                .orElse(null));
    }
}
