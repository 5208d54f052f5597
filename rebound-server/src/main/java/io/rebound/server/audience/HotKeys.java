package io.rebound.server.audience;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

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
 * <p>It also holds the unit's pending writes of the family: a written key's entry carries the new value
 * and stays, whatever the budget, until the unit hands its writes to RocksDB ({@link #handedOver}). A
 * write is then one look-up of its key, none when it follows the read of the same key ({@link #get}
 * remembers the last entry), where a copy beside a map of pending writes cost two or three look-ups in
 * maps of tens of thousands of keys (a fifth of the writer's time in profiles).
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
    /** Every entry not pinned by a pending write once, oldest arrival (or second chance) first. */
    private final ArrayDeque<Entry> clock = new ArrayDeque<>(1 << 12);
    /** The entries written by the current unit of work and not yet handed to RocksDB, each once, first written first. */
    private final ArrayList<Entry> pending = new ArrayList<>();
    /**
     * The entry last looked up or written: a write follows the read of its key (a person's state, a visitor's
     * activity), and finds it here without a second look-up in a map of tens of thousands of keys.
     */
    private Entry last;
    private long bytes;

    /** A key's entry: its value ({@link #ABSENT} when known to be absent), and whether it awaits the unit's commit. */
    static final class Entry {
        private final Key key;
        private byte[] value;
        /** Used since it last came round the clock. */
        private boolean used;
        /** Written by the current unit of work and not yet handed to RocksDB: it cannot leave. */
        private boolean pending;
        /** In {@link #clock} (a pending entry that came round left the queue until its write is handed over). */
        private boolean queued = true;
        /** In the map (false once it left, or the copy was cleared). */
        private boolean held = true;

        Entry(Key key, byte[] value) {
            this.key = key;
            this.value = value;
        }

        Key key() {
            return key;
        }

        /** What the key holds: the value, or {@link #ABSENT}. */
        byte[] value() {
            return value;
        }
    }

    HotKeys(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The entry holding the key, or null when the key is not held. */
    Entry get(Key key) {
        Entry e = last;
        if (e == null || !e.held || !e.key.equals(key)) {
            e = entries.get(key);
            if (e == null) {
                return null;
            }
            last = e;
        }
        e.used = true;
        return e;
    }

    /** Records what the key holds in RocksDB ({@link #ABSENT}: nothing), read because the copy did not hold it. */
    void read(Key key, byte[] value) {
        Entry e = new Entry(key, value);
        add(e);
        last = e;
        evict(e);
    }

    /**
     * Records {@code value} ({@link #ABSENT}: a delete) as the key's pending write, where {@code e} is what
     * {@link #get} returned for the key just before. The entry stays until {@link #handedOver}.
     *
     * @return the value it replaces as a pending write, or null when the key had none
     */
    byte[] write(Key key, Entry e, byte[] value) {
        byte[] replaced = null;
        if (e != null) {
            replaced = e.pending ? e.value : null;
            bytes += value.length - e.value.length;
            e.value = value;
            e.used = true;
        } else {
            e = new Entry(key, value);
            add(e);
            last = e;
        }
        if (!e.pending) {
            e.pending = true;
            pending.add(e);
        }
        evict(e);
        return replaced;
    }

    private void add(Entry e) {
        entries.put(e.key, e);
        clock.addLast(e);
        bytes += e.key.bytes.length + e.value.length + ENTRY_OVERHEAD;
    }

    /** The pending writes, first written first: hand each to RocksDB, then call {@link #handedOver}. */
    List<Entry> pending() {
        return pending;
    }

    /** The pending writes were handed to RocksDB (committed, or indexed in the unit's batch): their keys may leave. */
    void handedOver() {
        for (Entry e : pending) {
            e.pending = false;
            if (!e.queued && e.held) {
                e.queued = true;
                clock.addLast(e);
            }
        }
        pending.clear();
        evict(null);
    }

    /**
     * Lets keys leave while the copy is over its budget: the clock's head leaves unless it was used since it
     * last came round ({@code keep} does not count as used), or it is pending (then it leaves the queue and
     * comes back once its write is handed over).
     */
    private void evict(Entry keep) {
        while (bytes > budgetBytes && !clock.isEmpty()) {
            Entry head = clock.pollFirst();
            if (head.pending) {
                head.queued = false;
            } else if (head.used && head != keep) {
                head.used = false;
                clock.addLast(head);
            } else {
                entries.remove(head.key);
                head.held = false;
                bytes -= head.key.bytes.length + head.value.length + ENTRY_OVERHEAD;
            }
        }
    }

    /** Forgets every key, pending writes included. */
    void clear() {
        for (Entry e : entries.values()) {
            e.held = false;
        }
        entries.clear();
        clock.clear();
        pending.clear();
        last = null;
        bytes = 0;
    }

    int size() {
        return entries.size();
    }

    /** Bytes the copy counts against its budget. */
    long bytes() {
        return bytes;
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
