package io.rebound.server.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.SegmentedLog;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Consumes the event log in order and keeps the visitor event store: drops duplicates (same
 * store + event id), then files each event under its visitor in event-time order. Dedup keys,
 * events and the consumed log position go into one RocksDB batch, so after a crash indexing
 * resumes exactly where it committed — no event is indexed twice or lost.
 *
 * <p>Retention: an event whose event time is older than its store's {@code retention_days} is
 * not filed (counted as expired), and {@link #purgeExpired} deletes stored events and dedup keys
 * once they are that old ({@link EventRetention}). Both use the injected clock.
 *
 * <p>Listeners (the audience engine, the live debugger) see each new, non-duplicate event once
 * per process after it is committed.
 */
public final class EventIndexer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventIndexer.class);
    public static final String CF_EVENTS = "events";
    public static final String CF_DEDUP = "dedup";
    public static final String CF_OFFSETS = "offsets";
    private static final int SMALL_BATCH = 256;
    private static final long BATCH_WAIT_MILLIS = 5;
    private static final byte[] OFFSET_KEY = "indexer".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final SegmentedLog log;
    private final RocksStore store;
    private final List<Consumer<List<Event>>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<List<Event>>> duplicateListeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    /** Held while a batch is indexed and while a visitor is erased, so neither sees half of the other. */
    private final ReentrantLock writing = new ReentrantLock();
    private final Counter indexed;
    private final Counter duplicates;
    private final Counter expired;
    private final StoreRetentions retentions;
    private final EventRetention retention;
    private final Clock clock;
    private final Thread thread;
    private volatile long position;
    private volatile boolean running = true;

    /** An indexer that keeps every event forever (tests and tools). */
    public EventIndexer(SegmentedLog log, RocksStore store, MeterRegistry metrics) {
        this(log, store, metrics, StoreRetentions.forever(), Clock.systemUTC());
    }

    /**
     * @param retentions each store's retention
     * @param clock      what "now" is for retention (tests pass a controllable one)
     */
    public EventIndexer(SegmentedLog log, RocksStore store, MeterRegistry metrics, StoreRetentions retentions,
                        Clock clock) {
        this.log = log;
        this.store = store;
        this.retentions = retentions;
        this.clock = clock;
        this.retention = new EventRetention(store, retentions, writing);
        byte[] saved = store.get(CF_OFFSETS, OFFSET_KEY);
        this.position = saved == null ? log.start() : ByteBuffer.wrap(saved).getLong();
        this.indexed = Counter.builder("rebound.events.indexed").description("events filed in the visitor store")
                .register(metrics);
        this.duplicates = Counter.builder("rebound.events.duplicates")
                .description("events dropped because their event id was already stored").register(metrics);
        this.expired = Counter.builder("rebound.events.expired")
                .description("events not filed because their event time is older than the store's retention")
                .register(metrics);
        metrics.gauge("rebound.indexer.lag.bytes", this, i -> Math.max(0, log.end() - i.position));
        this.thread = Thread.ofPlatform().name("event-indexer").daemon(true).start(this::run);
    }

    public void addListener(Consumer<List<Event>> listener) {
        listeners.add(listener);
    }

    /** Sees every copy dropped as a duplicate (its store + event id was already stored), e.g. to warn about it. */
    public void addDuplicateListener(Consumer<List<Event>> listener) {
        duplicateListeners.add(listener);
    }

    /** Log position up to which events are indexed. */
    public long position() {
        return position;
    }

    /** Waits until everything durable in the log at call time is indexed (read-your-writes). */
    public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        long target = log.end();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (position < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                advanced.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        BackgroundPriority.lowerCurrentThread();
        while (running) {
            try {
                List<LogRecord> records = log.read(position, 2_000, 8 << 20);
                if (records.isEmpty()) {
                    log.awaitEnd(position, 200);
                    continue;
                }
                if (records.size() < SMALL_BATCH && log.end() == records.get(records.size() - 1).nextPosition()) {
                    // Under a trickle, wait briefly so the next read takes a fuller batch: one RocksDB
                    // write per batch is what indexing costs, and a few ms of delay is invisible.
                    Thread.sleep(BATCH_WAIT_MILLIS);
                    records = log.read(position, 2_000, 8 << 20);
                }
                Indexed batch = indexBatch(records);
                notify(listeners, batch.fresh());
                if (!batch.duplicates().isEmpty()) {
                    notify(duplicateListeners, batch.duplicates());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("indexer: failed at log position {}; retrying in 1 s", position, e);
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static void notify(List<Consumer<List<Event>>> targets, List<Event> events) {
        for (Consumer<List<Event>> l : targets) {
            try {
                l.accept(events);
            } catch (RuntimeException e) {
                LOG.error("indexer: listener failed", e);
            }
        }
    }

    /** What one batch did: events stored, and copies dropped because their event id was already stored. */
    private record Indexed(List<Event> fresh, List<Event> duplicates) {
    }

    private Indexed indexBatch(List<LogRecord> records) {
        writing.lock();
        try {
            return indexBatchLocked(records);
        } finally {
            writing.unlock();
        }
    }

    private Indexed indexBatchLocked(List<LogRecord> records) {
        List<Event> fresh = new ArrayList<>(records.size());
        List<Event> dropped = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Instant now = clock.instant();
        int tooOld = 0;
        try (WriteBatch batch = new WriteBatch()) {
            for (LogRecord r : records) {
                Event e = EventCodec.decode(r.payload());
                Duration keep = retentions.of(e.storeId());
                if (keep != null && e.eventTime().isBefore(now.minus(keep))) {
                    // Its dedup key would already be purged: filing it would store an expired event again.
                    tooOld++;
                    continue;
                }
                byte[] dedupKey = Keys.key().str(e.storeId()).str(e.eventId()).build();
                if (!seen.add(e.storeId() + '\u0000' + e.eventId()) || store.get(CF_DEDUP, dedupKey) != null) {
                    dropped.add(e);
                    continue;
                }
                batch.put(store.family(CF_DEDUP), dedupKey,
                        ByteBuffer.allocate(8).putLong(e.eventTime().toEpochMilli()).array());
                batch.put(store.family(CF_EVENTS), eventKey(e), r.payload());
                fresh.add(e);
            }
            long next = records.get(records.size() - 1).nextPosition();
            batch.put(store.family(CF_OFFSETS), OFFSET_KEY, ByteBuffer.allocate(8).putLong(next).array());
            store.write(batch);
            publish(next);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
        indexed.increment(fresh.size());
        duplicates.increment(dropped.size());
        expired.increment(tooOld);
        return new Indexed(fresh, dropped);
    }

    private void publish(long next) {
        lock.lock();
        try {
            position = next;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    static byte[] visitorPrefix(String storeId, String visitorId) {
        return Keys.key().str(storeId).str(visitorId).build();
    }

    /** The visitor event store's key of {@code e}: store, visitor, event time, event-id hash. */
    public static byte[] eventKey(Event e) {
        return Keys.key().str(e.storeId()).str(e.visitorId()).i64(e.eventTime().toEpochMilli())
                .i64(Keys.hash64(e.eventId())).build();
    }

    /** A visitor's events in event-time order (oldest first), at most {@code limit}. */
    public List<Event> visitorEvents(String storeId, String visitorId, int limit) {
        byte[] prefix = visitorPrefix(storeId, visitorId);
        List<Event> out = new ArrayList<>();
        try (Slice upper = new Slice(Keys.prefixEnd(prefix));
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = store.db().newIterator(store.family(CF_EVENTS), ro)) {
            for (it.seek(prefix); it.isValid() && out.size() < limit; it.next()) {
                out.add(EventCodec.decode(it.value()));
            }
        }
        return out;
    }

    /**
     * Privacy erasure: deletes every stored event of these visitor ids of the store, and returns how
     * many. First waits (up to {@code timeoutMillis}) until what the log held at call time is indexed,
     * so that an event acknowledged before the request is erased too; then deletes under the lock the
     * indexing thread holds per batch, so a batch in flight is either wholly erased or wholly later.
     * The dedup keys (store, event id → event time) are kept on purpose: a client retrying an erased
     * event is then dropped as a duplicate instead of filing it again.
     */
    public int eraseVisitors(String storeId, java.util.Collection<String> visitorIds, long timeoutMillis)
            throws InterruptedException {
        awaitCaughtUp(timeoutMillis);
        writing.lock();
        try (WriteBatch batch = new WriteBatch()) {
            int n = 0;
            for (String visitorId : new java.util.TreeSet<>(visitorIds)) {
                byte[] prefix = visitorPrefix(storeId, visitorId);
                try (Slice upper = new Slice(Keys.prefixEnd(prefix));
                     ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
                     RocksIterator it = store.db().newIterator(store.family(CF_EVENTS), ro)) {
                    for (it.seek(prefix); it.isValid(); it.next()) {
                        batch.delete(store.family(CF_EVENTS), it.key());
                        n++;
                    }
                }
            }
            if (n > 0) {
                store.write(batch);
            }
            return n;
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        } finally {
            writing.unlock();
        }
    }

    /**
     * Deletes the stored events and dedup keys whose event time is older than their store's
     * retention at {@code now}, in chunks that each wait for the batch being indexed.
     */
    public EventRetention.Purged purgeExpired(Instant now) {
        retentions.refresh();
        return retention.purge(now);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
