package io.rebound.server.audience;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer's copy of hot keys: whatever it answers is the latest value put for the key (a key it let
 * go answers null, never a stale or another key's value), it stays within its budget, and the
 * second-chance clock keeps a key in use over keys that came and went. Randomised over puts, deletes
 * and reads of keys sharing hashes' low bits, through growth of the table and evictions that shift
 * entries back along their probes.
 */
class HotKeysTest {

    private static HotKeys.Key key(String s) {
        return new HotKeys.Key(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void answersOnlyTheLatestValueOfAKeyThroughGrowthAndEvictions() {
        Random random = new Random(42);
        long budget = 200 * (96 + 20 + 16);
        HotKeys hot = new HotKeys(budget);
        Map<String, byte[]> latest = new HashMap<>();
        for (int step = 0; step < 300_000; step++) {
            String k = "st\0p" + random.nextInt(step < 100_000 ? 150 : 20_000);
            int roll = random.nextInt(10);
            if (roll < 4) {
                byte[] v = roll == 0 ? HotKeys.ABSENT : ("v" + step).getBytes(StandardCharsets.UTF_8);
                if (random.nextBoolean()) {
                    hot.put(key(k), v);
                } else {
                    hot.put(key(k), hot.entry(key(k)), v);
                }
                latest.put(k, v);
                assertThat(hot.get(key(k))).as("just put").isSameAs(v);
            } else {
                byte[] held = hot.get(key(k));
                if (held != null) {
                    assertThat(held).as("key %s", k).isSameAs(latest.get(k));
                }
            }
            assertThat(hot.size()).isLessThanOrEqualTo(latest.size());
        }
        assertThat(hot.size()).as("the budget holds ~200 entries").isBetween(100, 260);
    }

    @Test
    void withRoomForAllEveryKeyIsHeldAndFound() {
        HotKeys hot = new HotKeys(Long.MAX_VALUE);
        for (int i = 0; i < 50_000; i++) {
            hot.put(key("k" + i), ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(hot.size()).isEqualTo(50_000);
        for (int i = 0; i < 50_000; i++) {
            assertThat(new String(hot.get(key("k" + i)), StandardCharsets.UTF_8)).isEqualTo("v" + i);
        }
        assertThat(hot.get(key("k50000"))).isNull();
        hot.clear();
        assertThat(hot.size()).isZero();
        assertThat(hot.get(key("k1"))).isNull();
    }

    @Test
    void aKeyInUseOutlivesKeysThatCameAndWent() {
        HotKeys hot = new HotKeys(10 * (96 + 2 + 2));
        hot.put(key("hh"), new byte[2]);
        for (int i = 0; i < 1_000; i++) {
            hot.put(key(String.format("%02d", i % 100)), new byte[2]);
            assertThat(hot.get(key("hh"))).as("after %d others", i + 1).isNotNull();
        }
    }
}
