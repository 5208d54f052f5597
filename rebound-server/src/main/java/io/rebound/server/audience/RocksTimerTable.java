package io.rebound.server.audience;

import io.rebound.core.engine.TimerTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * {@link TimerTable} kept twice: durably in RocksDB as a person → due index
 * ({@link AudienceColumns#TIMER_INDEX}), and as an in-memory queue that answers
 * {@link #dueBy} and {@link #nextDue}, rebuilt from the index column family when the runtime opens.
 *
 * <p>Why both: a timer queue in RocksDB is the classic tombstone trap. Every reschedule deletes the
 * head entry, so a seek to the first key walks over ever more tombstones; asked after every commit,
 * that seek dominated the runtime under load. Memory answers in O(log n); RocksDB keeps the truth
 * for restarts. The memory copy can run ahead of RocksDB only until the unit of work commits; a
 * crash before that loses both, and reopening rebuilds memory from what was committed.
 *
 * <p>The memory queue is a binary heap with lazy deletion: a reschedule — nearly every event moves its
 * person's timer — adds the new entry and leaves the old one in the heap, where it is dropped when it
 * reaches the top. An entry is live while it is the very object {@link #current} holds for its person
 * (identity, so a person moved away from an instant and back has one live entry, not two). Adding
 * to a heap a due later than most costs a comparison or two, where the ordered tree this replaced
 * removed and inserted a node, rebalancing, on every event (a tenth of the writer's time in profiles).
 * When stale entries outnumber live ones the heap is rebuilt from {@link #current}.
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
    /** Stale entries tolerated beyond the live ones before the heap is rebuilt. */
    private static final int SLACK = 1_024;

    private final UnitOfWork uow;
    private PriorityQueue<Entry> heap = new PriorityQueue<>(ORDER);
    /** store → person → its live entry: the truth the heap's entries are checked against. */
    private final Map<String, Map<String, Entry>> current = new HashMap<>();
    /** One string per store id, shared by that store's entries. */
    private final Map<String, String> storeIds = new HashMap<>();
    private int live;

    RocksTimerTable(UnitOfWork uow) {
        this.uow = uow;
        uow.scan(AudienceColumns.TIMER_INDEX, null, null, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            String store = storeId(r.str());
            Entry e = new Entry(AudienceKeys.i64(v), store, r.str());
            current.computeIfAbsent(store, s -> new HashMap<>()).put(e.personId(), e);
            heap.add(e);
            live++;
            return true;
        });
    }

    @Override
    public void set(String storeId, String personId, Instant due) {
        String storeKey = storeId(storeId);
        Map<String, Entry> store = current.computeIfAbsent(storeKey, s -> new HashMap<>());
        if (due == null) {
            if (store.remove(personId) != null) {
                live--;
                uow.delete(AudienceColumns.TIMER_INDEX, uow.personKeys.of(storeId, personId));
            }
            return;
        }
        long millis = due.toEpochMilli();
        Entry e = new Entry(millis, storeKey, personId);
        // One look-up in a map of every person with a timer: nearly every event moves its person's timer.
        Entry old = store.put(personId, e);
        if (old != null && old.due() == millis) {
            store.put(personId, old); // unchanged: the live entry stays the one in the heap
            return;
        }
        if (old == null) {
            live++;
        }
        heap.add(e);
        if (heap.size() > 2 * live + SLACK) {
            rebuild();
        }
        uow.put(AudienceColumns.TIMER_INDEX, uow.personKeys.of(storeId, personId), AudienceKeys.i64(millis));
    }

    private boolean isLive(Entry e) {
        Map<String, Entry> store = current.get(e.storeId());
        return store != null && store.get(e.personId()) == e;
    }

    /**
     * The heap of the live entries only. They are added one by one: {@code PriorityQueue} heapifies in
     * linear time only a collection that carries its comparator, and a rebuild is rare.
     */
    private void rebuild() {
        List<Entry> all = new ArrayList<>(live);
        current.values().forEach(m -> all.addAll(m.values()));
        heap = new PriorityQueue<>(all.isEmpty() ? 1 : all.size(), ORDER);
        heap.addAll(all);
    }

    /** The earliest live entry, stale ones above it dropped; null when none. */
    private Entry first() {
        Entry e;
        while ((e = heap.peek()) != null && !isLive(e)) {
            heap.poll();
        }
        return e;
    }

    private String storeId(String storeId) {
        return storeIds.computeIfAbsent(storeId, s -> s);
    }

    @Override
    public List<Timer> dueBy(Instant now, int limit) {
        long cutoff = now.toEpochMilli();
        List<Entry> taken = new ArrayList<>();
        Entry e;
        while (taken.size() < limit && (e = first()) != null && e.due() <= cutoff) {
            taken.add(heap.poll());
        }
        // They stay due until set() moves them: back into the heap.
        heap.addAll(taken);
        List<Timer> out = new ArrayList<>(taken.size());
        for (Entry t : taken) {
            out.add(new Timer(t.storeId(), t.personId(), Instant.ofEpochMilli(t.due())));
        }
        return out;
    }

    @Override
    public Instant nextDue() {
        Entry e = first();
        return e == null ? null : Instant.ofEpochMilli(e.due());
    }
}
