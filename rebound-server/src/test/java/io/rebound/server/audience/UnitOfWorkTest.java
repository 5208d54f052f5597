package io.rebound.server.audience;

import io.rebound.server.runtime.RocksDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unit of work against a plain model (what is committed, and what the unit sees: committed plus its own
 * writes), on a real RocksDB, with hot-key budgets of a few kilobytes so that keys leave the copy all the time:
 * reads, writes of new and of unchanged values, deletes, empty values, scans through the unit's writes,
 * commits, discards, and a new unit over the same database. Families with hot keys and one without are mixed.
 */
class UnitOfWorkTest {
    private static final List<String> FAMILIES = List.of(AudienceColumns.PERSONS, AudienceColumns.ACTIVITY,
            AudienceColumns.COUNTS, AudienceColumns.TIMER_INDEX);

    @TempDir
    Path root;

    @Test
    void seesItsOwnWritesOverTheDatabaseAndCommitsExactlyThemWhateverKeysLeaveItsCopy() {
        Random random = new Random(20261205);
        Map<String, TreeMap<String, byte[]>> committed = new HashMap<>();
        Map<String, TreeMap<String, byte[]>> seen = new HashMap<>();
        for (String f : FAMILIES) {
            committed.put(f, new TreeMap<>());
            seen.put(f, new TreeMap<>());
        }
        try (RocksDatabase rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL)) {
            UnitOfWork uow = new UnitOfWork(rocks, 4_096, 2_048);
            for (int step = 0; step < 40_000; step++) {
                String family = FAMILIES.get(random.nextInt(FAMILIES.size()));
                String key = "k" + random.nextInt(150);
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                TreeMap<String, byte[]> view = seen.get(family);
                int roll = random.nextInt(1_000);
                if (roll < 400) {
                    assertThat(uow.get(family, k)).as("step %d: %s %s", step, family, key).isEqualTo(view.get(key));
                } else if (roll < 550) {
                    // A read, then a write of the key (the writer's pattern), of the value it holds or another.
                    byte[] now = uow.get(family, k);
                    byte[] value = now != null && random.nextBoolean() ? now.clone() : value(random);
                    uow.put(family, k, value);
                    view.put(key, value);
                } else if (roll < 800) {
                    byte[] value = value(random);
                    uow.put(family, k, value);
                    view.put(key, value);
                } else if (roll < 900) {
                    uow.delete(family, k);
                    view.remove(key);
                } else if (roll < 920) {
                    String prefix = "k" + random.nextInt(15);
                    List<String> scanned = new ArrayList<>();
                    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
                    uow.scan(family, p, p, (sk, sv) -> {
                        String s = new String(sk, StandardCharsets.UTF_8);
                        assertThat(sv).as("step %d: scanned %s", sv, s).isEqualTo(view.get(s));
                        scanned.add(s);
                        return true;
                    });
                    assertThat(scanned).as("step %d: scan of %s", step, prefix)
                            .isEqualTo(view.keySet().stream().filter(s -> s.startsWith(prefix)).toList());
                } else if (roll < 975) {
                    uow.commit();
                    assertThat(uow.pendingBytes()).isZero();
                    copy(seen, committed);
                } else if (roll < 995) {
                    uow.discard();
                    copy(committed, seen);
                } else {
                    uow.commit();
                    copy(seen, committed);
                    uow.close();
                    uow = new UnitOfWork(rocks, 4_096, 2_048);
                }
                if (step % 2_000 == 0) {
                    assertInDatabase(rocks, committed);
                }
            }
            uow.commit();
            copy(seen, committed);
            assertInDatabase(rocks, committed);
            uow.close();
        }
    }

    @Test
    void pendingWritesStayInTheCopyBeyondItsBudgetAndLeaveItOnceCommitted() {
        try (RocksDatabase rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL);
             UnitOfWork uow = new UnitOfWork(rocks, 1_024, 1_024)) {
            byte[] big = new byte[300];
            for (int i = 0; i < 20; i++) {
                uow.put(AudienceColumns.PERSONS, ("p" + i).getBytes(StandardCharsets.UTF_8), big);
            }
            assertThat(uow.pendingBytes()).isEqualTo(20 * 300 + 20 * 2 + 10);
            for (int i = 0; i < 20; i++) {
                assertThat(uow.get(AudienceColumns.PERSONS, ("p" + i).getBytes(StandardCharsets.UTF_8))).isSameAs(big);
            }
            uow.commit();
            assertThat(uow.pendingBytes()).isZero();
            for (int i = 0; i < 20; i++) {
                assertThat(rocks.get(AudienceColumns.PERSONS, ("p" + i).getBytes(StandardCharsets.UTF_8))).isEqualTo(big);
            }
        }
    }

    @Test
    void theCopyHoldsNoMoreThanItsBudgetOnceItsWritesAreHandedOver() {
        HotKeys hot = new HotKeys(2_000);
        for (int i = 0; i < 100; i++) {
            HotKeys.Key k = new HotKeys.Key(("p" + i).getBytes(StandardCharsets.UTF_8));
            hot.write(k, hot.get(k), new byte[100]);
        }
        assertThat(hot.size()).isEqualTo(100); // pending: none may leave
        assertThat(hot.pending()).hasSize(100);
        hot.handedOver();
        assertThat(hot.pending()).isEmpty();
        assertThat(hot.bytes()).isLessThanOrEqualTo(2_000);
        assertThat(hot.size()).isBetween(1, 10);
        HotKeys.Key gone = new HotKeys.Key("p0".getBytes(StandardCharsets.UTF_8));
        assertThat(hot.get(gone)).isNull();
        hot.read(gone, HotKeys.ABSENT);
        assertThat(hot.get(gone).value()).isSameAs(HotKeys.ABSENT);
        // A value larger than the whole budget leaves as it is read; the entry last looked up is then no answer.
        HotKeys.Key huge = new HotKeys.Key("huge".getBytes(StandardCharsets.UTF_8));
        hot.read(huge, new byte[3_000]);
        assertThat(hot.get(huge)).isNull();
        assertThat(hot.bytes()).isLessThanOrEqualTo(2_000);
    }

    private static byte[] value(Random random) {
        byte[] v = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(400)];
        random.nextBytes(v);
        return v;
    }

    private static void copy(Map<String, TreeMap<String, byte[]>> from, Map<String, TreeMap<String, byte[]>> to) {
        from.forEach((f, m) -> to.put(f, new TreeMap<>(m)));
    }

    private static void assertInDatabase(RocksDatabase rocks, Map<String, TreeMap<String, byte[]>> committed) {
        committed.forEach((family, m) -> {
            for (int i = 0; i < 150; i++) {
                String key = "k" + i;
                byte[] stored = rocks.get(family, key.getBytes(StandardCharsets.UTF_8));
                assertThat(stored == null ? null : Arrays.toString(stored)).as("%s %s", family, key)
                        .isEqualTo(m.get(key) == null ? null : Arrays.toString(m.get(key)));
            }
        });
    }
}
