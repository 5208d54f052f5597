package io.rebound.server.audience;

import io.rebound.core.engine.TimerTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@link TimerTable} kept twice: durably in RocksDB as a person → due index
 * ({@link AudienceColumns#TIMER_INDEX}), and as an in-memory ordered index that answers
 * {@link #dueBy} and {@link #nextDue}, rebuilt from the index column family when the runtime opens.
 *
 * <p>Why both: a timer queue in RocksDB is the classic tombstone trap. Every reschedule deletes the
 * head entry, so a seek to the first key walks over ever more tombstones; asked after every commit,
 * that seek dominated the runtime under load. Memory answers in O(log n); RocksDB keeps the truth
 * for restarts. The memory copy can run ahead of RocksDB only until the unit of work commits; a
 * crash before that loses both, and reopening rebuilds memory from what was committed.
 *
 * <p>The due-ordered queue in RocksDB ({@link AudienceColumns#TIMERS}) that the memory copy replaced
 * was still written, a delete and a put on nearly every event, and never read: it is no longer
 * written. What older versions left in it stays unread.
 */
final class RocksTimerTable implements TimerTable {
    private record Entry(long due, String storeId, String personId) {
    }

    /**
     * Due first, then store and person (written out: the composed comparator's lambdas showed in profiles).
     * The entries of a store share one store id string ({@link #storeIds}), so equal stores compare by identity.
     */
    private static final Comparator<Entry> ORDER = (a, b) -> {
        int c = Long.compare(a.due(), b.due());
        if (c == 0 && a.storeId() != b.storeId()) {
            c = a.storeId().compareTo(b.storeId());
        }
        return c != 0 ? c : a.personId().compareTo(b.personId());
    };

    private final UnitOfWork uow;
    private final TreeSet<Entry> queue = new TreeSet<>(ORDER);
    private final Map<String, Map<String, Long>> dueOf = new HashMap<>();
    /** One string per store id, shared by that store's entries. */
    private final Map<String, String> storeIds = new HashMap<>();

    RocksTimerTable(UnitOfWork uow) {
        this.uow = uow;
        uow.scan(AudienceColumns.TIMER_INDEX, null, null, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            String store = r.str();
            String person = r.str();
            long due = AudienceKeys.i64(v);
            queue.add(new Entry(due, storeId(store), person));
            dueOf.computeIfAbsent(store, s -> new HashMap<>()).put(person, due);
            return true;
        });
    }

    @Override
    public void set(String storeId, String personId, Instant due) {
        Map<String, Long> store = dueOf.computeIfAbsent(storeId, s -> new HashMap<>());
        Long old = store.get(personId);
        if (old != null) {
            if (due != null && due.toEpochMilli() == old) {
                return;
            }
            queue.remove(new Entry(old, storeId(storeId), personId));
        }
        byte[] indexKey = AudienceKeys.person(storeId, personId);
        if (due == null) {
            if (old != null) {
                store.remove(personId);
                uow.delete(AudienceColumns.TIMER_INDEX, indexKey);
            }
            return;
        }
        long millis = due.toEpochMilli();
        store.put(personId, millis);
        queue.add(new Entry(millis, storeId(storeId), personId));
        uow.put(AudienceColumns.TIMER_INDEX, indexKey, AudienceKeys.i64(millis));
    }

    private String storeId(String storeId) {
        return storeIds.computeIfAbsent(storeId, s -> s);
    }

    @Override
    public List<Timer> dueBy(Instant now, int limit) {
        List<Timer> out = new ArrayList<>();
        long cutoff = now.toEpochMilli();
        for (Entry e : queue) {
            if (e.due() > cutoff || out.size() >= limit) {
                break;
            }
            out.add(new Timer(e.storeId(), e.personId(), Instant.ofEpochMilli(e.due())));
        }
        return out;
    }

    @Override
    public Instant nextDue() {
        return queue.isEmpty() ? null : Instant.ofEpochMilli(queue.first().due());
    }
}
