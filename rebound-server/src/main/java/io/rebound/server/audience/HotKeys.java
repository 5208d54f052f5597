package io.rebound.server.audience;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writer thread's copy of recently read or written keys of one column family, as the current
 * unit of work sees them (committed state plus the unit's own writes): the value, or the knowledge
 * that the key is absent. Least recently used keys leave once the copy holds more than its byte
 * budget. Reading a key costs a JNI round trip through the unit's {@code WriteBatchWithIndex}
 * into RocksDB; the runtime reads the same identities, persons and activity keys event after event,
 * and profiling showed those reads as its largest cost.
 *
 * <p>Correct by construction as long as every write of the family goes through the same unit of
 * work (it updates this copy) and the copy is emptied whenever the unit's writes are dropped. Not
 * thread-safe: only the writer thread uses it.
 */
final class HotKeys {
    /** Marks a key known to be absent (compared by identity; a stored empty value is another array). */
    static final byte[] ABSENT = new byte[0];
    /** Rough heap per entry beyond key and value bytes: the map entry, the key wrapper, two array headers. */
    private static final int ENTRY_OVERHEAD = 96;

    private final long budgetBytes;
    private final LinkedHashMap<Key, byte[]> entries = new LinkedHashMap<>(1 << 12, 0.75f, true);
    private long bytes;

    HotKeys(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The value, {@link #ABSENT}, or null when the key is not held. */
    byte[] get(Key key) {
        return entries.get(key);
    }

    /** Records what the key holds now ({@link #ABSENT} after a delete). */
    void put(Key key, byte[] value) {
        byte[] old = entries.put(key, value);
        bytes += value.length - (old == null ? -(key.bytes.length + ENTRY_OVERHEAD) : old.length);
        if (bytes > budgetBytes) {
            Iterator<Map.Entry<Key, byte[]>> eldest = entries.entrySet().iterator();
            while (bytes > budgetBytes && eldest.hasNext()) {
                Map.Entry<Key, byte[]> e = eldest.next();
                bytes -= e.getKey().bytes.length + e.getValue().length + ENTRY_OVERHEAD;
                eldest.remove();
            }
        }
    }

    void clear() {
        entries.clear();
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
