package io.rebound.server.audience;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;

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
 * <p>Correct by construction as long as every write of the family goes through the same unit of
 * work (it updates this copy) and the copy is emptied whenever the unit's writes are dropped. Not
 * thread-safe: only the writer thread uses it.
 */
final class HotKeys {
    /** Marks a key known to be absent (compared by identity; a stored empty value is another array). */
    static final byte[] ABSENT = new byte[0];
    /** Rough heap per entry beyond key and value bytes: the map entry, the key wrapper, the entry, the queue slot, two array headers. */
    private static final int ENTRY_OVERHEAD = 112;

    private final long budgetBytes;
    private final HashMap<Key, Entry> entries = new HashMap<>(1 << 12);
    /** Every entry once, oldest arrival (or second chance) first. */
    private final ArrayDeque<Entry> clock = new ArrayDeque<>(1 << 12);
    private long bytes;

    static final class Entry {
        private final Key key;
        private byte[] value;
        /** Used since it last came round the clock. */
        boolean used;

        Entry(Key key, byte[] value) {
            this.key = key;
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
        Entry e = entries.get(key);
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
        Entry e = entries.get(key);
        if (e != null) {
            e.used = true;
        }
        return e;
    }

    /** Records what the key holds now ({@link #ABSENT} after a delete). */
    void put(Key key, byte[] value) {
        put(key, entries.get(key), value);
    }

    /** {@link #put(Key, byte[])} where {@code e} is what {@link #entry} returned for the key just before. */
    void put(Key key, Entry e, byte[] value) {
        if (e != null) {
            bytes += value.length - e.value.length;
            e.value = value;
            e.used = true;
        } else {
            e = new Entry(key, value);
            entries.put(key, e);
            clock.addLast(e);
            bytes += key.bytes.length + value.length + ENTRY_OVERHEAD;
        }
        while (bytes > budgetBytes && !clock.isEmpty()) {
            Entry head = clock.pollFirst();
            if (head.used && head != e) {
                head.used = false;
                clock.addLast(head);
            } else {
                entries.remove(head.key);
                bytes -= head.key.bytes.length + head.value.length + ENTRY_OVERHEAD;
            }
        }
    }

    void clear() {
        entries.clear();
        clock.clear();
        bytes = 0;
    }

    int size() {
        return entries.size();
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
