package io.rebound.server.dashboard;

import com.dynatrace.hash4j.distinctcount.UltraLogLog;

import java.util.Arrays;
import java.util.Map;

/**
 * The visitors of one store on one day, each with the funnel steps ("tracks", bits of a mask) they
 * did that day: exact up to {@value FunnelStats#EXACT_VISITORS_PER_DAY} visitors, then one
 * UltraLogLog sketch per track. Visitors are 64-bit hashes; the exact set is an open-addressing
 * table (no boxing: about 14 bytes per visitor at most). Not thread-safe: {@link FunnelStats}
 * guards each store.
 */
final class DayVisitors {
    static final int TRACKS = 6;
    /** 2^12 registers of one byte: 4 KB a sketch, about 1.2 % standard error. */
    private static final int SKETCH_PRECISION = 12;

    private long[] keys = new long[16];
    private byte[] masks = new byte[16];
    private int size;
    /** Null while exact. */
    private UltraLogLog[] sketches;

    void add(long visitor, int mask) {
        if (sketches != null) {
            for (int t = 0; t < TRACKS; t++) {
                if ((mask & (1 << t)) != 0) {
                    sketches[t].add(visitor);
                }
            }
            return;
        }
        long key = visitor == 0 ? 1 : visitor; // 0 marks a free slot
        int i = slot(keys, key);
        if (keys[i] == key) {
            masks[i] |= (byte) mask;
            return;
        }
        keys[i] = key;
        masks[i] = (byte) mask;
        if (++size > FunnelStats.EXACT_VISITORS_PER_DAY) {
            toSketches();
        } else if (size * 4 > keys.length * 3) {
            grow();
        }
    }

    /** Removes a visitor while the day is exact (privacy erasure); a sketch cannot forget, and holds no visitor. */
    void remove(long visitor) {
        if (sketches != null) {
            return;
        }
        long key = visitor == 0 ? 1 : visitor;
        int i = slot(keys, key);
        if (keys[i] != key) {
            return;
        }
        keys[i] = 0;
        size--;
        // Linear probing: re-place the entries after the freed slot, up to the next free one.
        int mask = keys.length - 1;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            long k = keys[j];
            byte m = masks[j];
            keys[j] = 0;
            int to = slot(keys, k);
            keys[to] = k;
            masks[to] = m;
        }
    }

    boolean exact() {
        return sketches == null;
    }

    /** Bytes held, roughly (for tests of the bound). */
    long bytes() {
        return sketches == null ? keys.length * 9L : (long) TRACKS * (1 << SKETCH_PRECISION);
    }

    private static int slot(long[] keys, long key) {
        int mask = keys.length - 1;
        int i = (int) (key ^ (key >>> 32)) & mask;
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow() {
        long[] oldKeys = keys;
        byte[] oldMasks = masks;
        keys = new long[oldKeys.length * 2];
        masks = new byte[oldKeys.length * 2];
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = slot(keys, oldKeys[j]);
                keys[i] = oldKeys[j];
                masks[i] = oldMasks[j];
            }
        }
    }

    private void toSketches() {
        UltraLogLog[] s = new UltraLogLog[TRACKS];
        for (int t = 0; t < TRACKS; t++) {
            s[t] = UltraLogLog.create(SKETCH_PRECISION);
        }
        addTo(s);
        sketches = s;
        keys = null;
        masks = null;
        size = 0;
    }

    private void addTo(UltraLogLog[] s) {
        if (sketches != null) {
            for (int t = 0; t < TRACKS; t++) {
                s[t].add(sketches[t]);
            }
            return;
        }
        for (int j = 0; j < keys.length; j++) {
            if (keys[j] != 0) {
                for (int t = 0; t < TRACKS; t++) {
                    if ((masks[j] & (1 << t)) != 0) {
                        s[t].add(keys[j]);
                    }
                }
            }
        }
    }

    /**
     * Unique visitors per track over days {@code from..to} into {@code out[0..TRACKS)}, and unique
     * visitors of the last track (any event) over {@code from30..to} into {@code out[TRACKS]}.
     * Exact when every day involved is; otherwise estimated from the union of sketches.
     */
    static void count(Map<Integer, DayVisitors> days, int from, int from30, int to, long[] out) {
        int first = Math.min(from, from30);
        boolean exact = true;
        for (int d = first; d <= to; d++) {
            DayVisitors v = days.get(d);
            exact &= v == null || v.exact();
        }
        Arrays.fill(out, 0);
        if (exact) {
            countExactly(days, from, from30, first, to, out);
        } else {
            estimate(days, from, from30, first, to, out);
        }
    }

    /**
     * Newest day first: a visitor's first sighting in a track is their latest day in it, and a
     * period ending today holds them exactly when that day is in it.
     */
    private static void countExactly(Map<Integer, DayVisitors> days, int from, int from30, int first, int to,
                                     long[] out) {
        DayVisitors seen = new DayVisitors();
        for (int d = to; d >= first; d--) {
            DayVisitors v = days.get(d);
            if (v == null) {
                continue;
            }
            for (int j = 0; j < v.keys.length; j++) {
                long key = v.keys[j];
                if (key == 0) {
                    continue;
                }
                int i = slot(seen.keys, key);
                int before = seen.keys[i] == key ? seen.masks[i] : 0;
                int fresh = v.masks[j] & ~before;
                if (fresh == 0) {
                    continue;
                }
                for (int t = 0; t < TRACKS; t++) {
                    if ((fresh & (1 << t)) != 0 && d >= from) {
                        out[t]++;
                    }
                }
                if ((fresh & (1 << (TRACKS - 1))) != 0 && d >= from30) {
                    out[TRACKS]++;
                }
                if (seen.keys[i] == key) {
                    seen.masks[i] |= (byte) fresh;
                } else {
                    seen.keys[i] = key;
                    seen.masks[i] = (byte) fresh;
                    if (++seen.size * 4 > seen.keys.length * 3) {
                        seen.grow();
                    }
                }
            }
        }
    }

    private static void estimate(Map<Integer, DayVisitors> days, int from, int from30, int first, int to, long[] out) {
        UltraLogLog[] period = new UltraLogLog[TRACKS];
        UltraLogLog[] last30 = new UltraLogLog[TRACKS];
        for (int t = 0; t < TRACKS; t++) {
            period[t] = UltraLogLog.create(SKETCH_PRECISION);
            last30[t] = UltraLogLog.create(SKETCH_PRECISION);
        }
        for (int d = first; d <= to; d++) {
            DayVisitors v = days.get(d);
            if (v != null) {
                if (d >= from) {
                    v.addTo(period);
                }
                if (d >= from30) {
                    v.addTo(last30);
                }
            }
        }
        for (int t = 0; t < TRACKS; t++) {
            out[t] = Math.round(period[t].getDistinctCountEstimate());
        }
        out[TRACKS] = Math.round(last30[TRACKS - 1].getDistinctCountEstimate());
    }
}
