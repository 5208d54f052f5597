package io.rebound.server.audience;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The writer thread's copy of recently read or written keys of one column family, as the current
 * unit of work sees them (committed state plus the unit's own writes): the value, or the knowledge
 * that the key is absent. Reading a key costs a JNI round trip through the unit's {@code WriteBatchWithIndex}
 * into RocksDB; the runtime reads the same identities, persons and activity keys event after event,
 * and profiling showed those reads as its largest cost.
 *
 * <p>Once the copy holds more than its byte budget, keys leave by second chance (CLOCK): keys wait
 * in a queue in the order they came in; the one at its head leaves unless it was used since it last
 * came round, in which case it goes to the back once more. That keeps what is used again as a
 * least-recently-used copy would, but a hit only sets a flag on its own entry — the access-ordered
 * map this replaces relinked every entry it returned between two others, touching three entries
 * scattered over the heap, on every read of every event.
 *
 * <p>The keys are held in an open-addressing table (linear probing, a parallel array of their hashes,
 * backward-shift deletion): a lookup reads a slot of the dense hash array, then the entry and its key
 * bytes. In the {@code HashMap} this replaced, each of the several lookups an event makes went from
 * the table to a node, its key wrapper, the key bytes and only then the entry, each a likely cache miss
 * in a map of 10⁵ keys; {@code HashMap.getNode} was a fifth of the writer's samples, most of them here.
 *
 * <p>Correct by construction as long as every write of the family goes through the same unit of
 * work (it updates this copy) and the copy is emptied whenever the unit's writes are dropped. Not
 * thread-safe: only the writer thread uses it.
 */
final class HotKeys {
    /** Marks a key known to be absent (compared by identity; a stored empty value is another array). */
    static final byte[] ABSENT = new byte[0];
    /** Rough heap per entry beyond key and value bytes: the entry, two table slots (at half load), the queue slot, two array headers. */
    private static final int ENTRY_OVERHEAD = 96;
    private static final int INITIAL_BITS = 12;

    private final long budgetBytes;
    /** The entries, at {@link #index} of their hash or the next free slot after it; at most half full. */
    private Entry[] slots = new Entry[1 << INITIAL_BITS];
    /** {@code hashes[i]} is {@code slots[i].hash}: probing reads this dense array, not the entries. */
    private int[] hashes = new int[1 << INITIAL_BITS];
    private int shift = 32 - INITIAL_BITS;
    private int count;
    /** Every entry once, oldest arrival (or second chance) first. */
    private final ArrayDeque<Entry> clock = new ArrayDeque<>(1 << INITIAL_BITS);
    private long bytes;

    static final class Entry {
        private final byte[] key;
        private final int hash;
        private byte[] value;
        /** Used since it last came round the clock. */
        boolean used;

        Entry(byte[] key, int hash, byte[] value) {
            this.key = key;
            this.hash = hash;
            this.value = value;
        }

        /** What the key holds: the value, or {@link #ABSENT}. */
        byte[] value() {
            return value;
        }
    }

    HotKeys(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The value, {@link #ABSENT}, or null when the key is not held. */
    byte[] get(Key key) {
        Entry e = find(key);
        if (e == null) {
            return null;
        }
        e.used = true;
        return e.value;
    }

    /**
     * The entry holding the key (its {@link Entry#value}: the value or {@link #ABSENT}), or null when
     * the key is not held; a write that looked first then passes it to {@link #put(Key, Entry, byte[])},
     * so that the key is looked up once.
     */
    Entry entry(Key key) {
        Entry e = find(key);
        if (e != null) {
            e.used = true;
        }
        return e;
    }

    /** Records what the key holds now ({@link #ABSENT} after a delete). */
    void put(Key key, byte[] value) {
        put(key, find(key), value);
    }

    /** {@link #put(Key, byte[])} where {@code e} is what {@link #entry} returned for the key just before. */
    void put(Key key, Entry e, byte[] value) {
        if (e != null) {
            bytes += value.length - e.value.length;
            e.value = value;
            e.used = true;
        } else {
            e = new Entry(key.bytes, key.hash, value);
            insert(e);
            clock.addLast(e);
            bytes += key.bytes.length + value.length + ENTRY_OVERHEAD;
        }
        while (bytes > budgetBytes && !clock.isEmpty()) {
            Entry head = clock.pollFirst();
            if (head == e && !clock.isEmpty()) {
                // The key just written is the one most likely read next: it stays unless it alone is over budget.
                clock.addLast(head);
            } else if (head.used) {
                head.used = false;
                clock.addLast(head);
            } else {
                remove(head);
                bytes -= head.key.length + head.value.length + ENTRY_OVERHEAD;
            }
        }
    }

    void clear() {
        Arrays.fill(slots, null);
        count = 0;
        clock.clear();
        bytes = 0;
    }

    int size() {
        return count;
    }

    /** Fibonacci hashing: the top bits of the hash times 2³²/φ, so that keys alike in their low bits spread. */
    private int index(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    private Entry find(Key key) {
        int mask = slots.length - 1;
        int h = key.hash;
        for (int i = index(h); ; i = (i + 1) & mask) {
            Entry e = slots[i];
            if (e == null) {
                return null;
            }
            if (hashes[i] == h && Arrays.equals(e.key, key.bytes)) {
                return e;
            }
        }
    }

    private void insert(Entry e) {
        if (count + 1 > slots.length >>> 1) {
            grow();
        }
        place(e);
        count++;
    }

    private void place(Entry e) {
        int mask = slots.length - 1;
        int i = index(e.hash);
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
        hashes[i] = e.hash;
    }

    private void grow() {
        Entry[] old = slots;
        slots = new Entry[old.length << 1];
        hashes = new int[old.length << 1];
        shift--;
        for (Entry e : old) {
            if (e != null) {
                place(e);
            }
        }
    }

    /** Takes {@code e} out, moving back the entries after it that it had pushed along their probe. */
    private void remove(Entry e) {
        int mask = slots.length - 1;
        int i = index(e.hash);
        while (slots[i] != e) {
            i = (i + 1) & mask;
        }
        slots[i] = null;
        count--;
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            // The entry at j may fill the hole at i if i lies on its probe, from its home slot to j.
            if (((j - index(hashes[j])) & mask) >= ((j - i) & mask)) {
                slots[i] = slots[j];
                hashes[i] = hashes[j];
                slots[j] = null;
                i = j;
            }
        }
    }

    /** A key compared by content. */
    static final class Key {
        private final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        byte[] bytes() {
            return bytes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
