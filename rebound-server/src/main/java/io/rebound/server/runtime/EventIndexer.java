package io.rebound.server.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.binary.Hash64;
import io.rebound.core.event.Event;
import io.rebound.server.log.CorruptRecordException;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.RollingLog;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Consumes the event log in order and keeps the visitor event table: drops duplicates (same
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
 *
 * <p>A record that cannot be indexed (it fails to decode, throws an {@link Error}, or its frame is
 * damaged) is retried and after {@link DeadLetters#MAX_ATTEMPTS} failures set aside as a dead
 * letter in the batch that moves the position past it. A stored position past the log's end (the
 * log lost its tail) is brought back to the end at start.
 */
public final class EventIndexer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventIndexer.class);
    public static final String CF_EVENTS = "events";
    public static final String CF_DEDUP = "dedup";
    public static final String CF_OFFSETS = "offsets";
    /** The column families the indexer writes, for the list the RocksDB database opens. */
    public static final List<String> COLUMN_FAMILIES = List.of(CF_EVENTS, CF_DEDUP, CF_OFFSETS, DeadLetters.CF);
    private static final String CONSUMER = "indexer";
    private static final int SMALL_BATCH = 256;
    private static final long BATCH_WAIT_MILLIS = 5;
    private static final byte[] OFFSET_KEY = "indexer".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final RollingLog log;
    private final RocksDatabase rocks;
    private final List<Consumer<List<Event>>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<List<Event>>> duplicateListeners = new CopyOnWriteArrayList<>();
    /** Held while a batch is indexed and while a visitor is erased, so neither sees half of the other. */
    private final ReentrantLock writing = new ReentrantLock();
    private final Counter indexed;
    private final Counter duplicates;
    private final DeadLetters.Attempts attempts;
    private final Counter expired;
    private final StoreRetentions retentions;
    private final EventRetention retention;
    private final Clock clock;
    private final ConsumerThreads threads;
    private final ConsumedPosition position;
    private volatile boolean running = true;
    /** Erasures the indexer has not passed yet: store \0 visitor → the log end when they were asked for. */
    private final Map<String, Long> erasures = new java.util.concurrent.ConcurrentHashMap<>();
    /** Test hook: while set, the indexing thread files nothing (an indexer that has fallen behind). */
    volatile boolean paused;

    /** An indexer that keeps every event forever (tests and tools). */
    public EventIndexer(RollingLog log, RocksDatabase rocks, MeterRegistry metrics) {
        this(log, rocks, new DeadLetters(rocks, Clock.systemUTC()), metrics);
    }

    /** An indexer that keeps every event forever, setting aside what keeps failing in {@code deadLetters}. */
    public EventIndexer(RollingLog log, RocksDatabase rocks, DeadLetters deadLetters, MeterRegistry metrics) {
        this(log, rocks, deadLetters, metrics, StoreRetentions.forever(), Clock.systemUTC());
    }

    /**
     * @param deadLetters where records that keep failing are set aside
     * @param retentions  each store's retention
     * @param clock       what "now" is for retention (tests pass a controllable one)
     */
    public EventIndexer(RollingLog log, RocksDatabase rocks, DeadLetters deadLetters, MeterRegistry metrics,
                        StoreRetentions retentions, Clock clock) {
        this.log = log;
        this.rocks = rocks;
        this.attempts = deadLetters.attempts(CONSUMER);
        this.retentions = retentions;
        this.clock = clock;
        this.retention = new EventRetention(rocks, retentions, writing);
        byte[] saved = rocks.get(CF_OFFSETS, OFFSET_KEY);
        this.position = new ConsumedPosition(log.resumePosition(CONSUMER, saved == null ? log.start() : ByteBuffer.wrap(saved).getLong()));
        loadErasures();
        this.indexed = Counter.builder("rebound.events.indexed").description("events filed in the visitor event table")
                .register(metrics);
        this.duplicates = Counter.builder("rebound.events.duplicates")
                .description("events dropped because their event id was already stored").register(metrics);
        this.expired = Counter.builder("rebound.events.expired")
                .description("events not filed because their event time is older than the store's retention")
                .register(metrics);
        metrics.gauge("rebound.indexer.lag.bytes", this, i -> Math.max(0, log.end() - i.position.get()));
        this.threads = ConsumerThreads.of("event-indexer", this::pass, () -> { });
        threads.follow(() -> true); // at the background priority until told whom to follow (yieldWhile)
        threads.start();
    }

    /**
     * Runs the indexer at the background priority while {@code behind} is true and at the request
     * threads' otherwise; the server passes the audience writer's state. The indexer keeps up even
     * with a saturated collector, so its own lag says nothing of saturation; the writer's does.
     */
    public void yieldWhile(java.util.function.BooleanSupplier behind) {
        threads.follow(behind);
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
        return position.get();
    }

    /** Waits until everything durable in the log at call time is indexed (read-your-writes). */
    public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        return position.await(log.end(), timeoutMillis);
    }

    /** One pass of the indexing loop: a batch of the log, or a wait for one. False ends the loop. */
    private boolean pass() {
        if (!running) {
            return false;
        }
        try {
            if (paused) {
                Thread.sleep(5);
                return true;
            }
            List<LogRecord> records = log.read(position.get(), 2_000, 8 << 20);
            if (records.isEmpty()) {
                log.awaitEnd(position.get(), 200);
                return true;
            }
            if (records.size() < SMALL_BATCH && log.end() == records.get(records.size() - 1).nextPosition()) {
                // Under a trickle, wait briefly so the next read takes a fuller batch: one RocksDB
                // write per batch is what indexing costs, and a few ms of delay is invisible.
                Thread.sleep(BATCH_WAIT_MILLIS);
                records = log.read(position.get(), 2_000, 8 << 20);
            }
            Indexed batch = indexBatch(records);
            notify(listeners, batch.fresh());
            if (!batch.duplicates().isEmpty()) {
                notify(duplicateListeners, batch.duplicates());
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (CorruptRecordException e) {
            attempts.failed(e.position(), e);
            if (attempts.exhausted(e.position())) {
                setAsideDamaged(e);
                return true;
            }
            return pause();
        } catch (RecordFailedException e) {
            return pause(); // the failure is counted and logged
        } catch (RuntimeException | Error e) {
            // Not a record's fault (RocksDB, a listener): retried without limit, never silently fatal.
            LOG.error("indexer: failed at log position {}; retrying in 1 s", position.get(), e);
            return pause();
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(1_000);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** A damaged frame that failed often enough: a dead letter, and the position moves to where reading can go on. */
    private void setAsideDamaged(CorruptRecordException e) {
        writing.lock();
        try (WriteBatch batch = new WriteBatch()) {
            DeadLetters.Letter letter = attempts.letter();
            batch.put(rocks.family(DeadLetters.CF), attempts.key(), attempts.value(letter, new byte[0]));
            batch.put(rocks.family(CF_OFFSETS), OFFSET_KEY, ByteBuffer.allocate(8).putLong(e.resumeAt()).array());
            rocks.write(batch);
            attempts.setAside(letter);
            position.advance(e.resumeAt());
        } catch (org.rocksdb.RocksDBException ex) {
            throw new IllegalStateException(ex);
        } finally {
            writing.unlock();
        }
    }

    private static void notify(List<Consumer<List<Event>>> targets, List<Event> events) {
        for (Consumer<List<Event>> l : targets) {
            try {
                l.accept(events);
            } catch (RuntimeException | Error e) {
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
        Set<ByteBuffer> seen = new HashSet<>();
        DeadLetters.Letter setAside = null;
        long next = position.get();
        Instant now = clock.instant();
        int tooOld = 0;
        try (WriteBatch batch = new WriteBatch()) {
            for (LogRecord r : records) {
                next = r.nextPosition();
                if (attempts.exhausted(r.position())) {
                    // The batch ends here, so the letter and the position past it commit together.
                    setAside = attempts.letter();
                    batch.put(rocks.family(DeadLetters.CF), attempts.key(), attempts.value(setAside, r.payload()));
                    break;
                }
                Event e;
                byte[] dedupKey;
                byte[] eventKey;
                try {
                    e = EventCodec.decode(r.payload());
                    dedupKey = Keys.key().str(e.storeId()).str(e.eventId()).build();
                    eventKey = eventKey(e);
                } catch (RuntimeException | Error failure) {
                    attempts.failed(r.position(), failure);
                    throw new RecordFailedException(r.position(), failure);
                }
                Duration keep = retentions.of(e.storeId());
                if (keep != null && e.eventTime().isBefore(now.minus(keep))) {
                    // Its dedup key would already be purged: filing it would store an expired event again.
                    tooOld++;
                    continue;
                }
                if (!seen.add(ByteBuffer.wrap(dedupKey)) || rocks.get(CF_DEDUP, dedupKey) != null) {
                    dropped.add(e);
                    continue;
                }
                batch.put(rocks.family(CF_DEDUP), dedupKey,
                        ByteBuffer.allocate(8).putLong(e.eventTime().toEpochMilli()).array());
                if (!erasures.isEmpty() && erased(e, r.position())) {
                    continue; // erased by a request that came after it was acknowledged
                }
                batch.put(rocks.family(CF_EVENTS), eventKey, r.payload());
                fresh.add(e);
            }
            batch.put(rocks.family(CF_OFFSETS), OFFSET_KEY, ByteBuffer.allocate(8).putLong(next).array());
            if (!erasures.isEmpty()) {
                dropPassedErasures(batch, next);
            }
            rocks.write(batch);
            if (setAside != null) {
                attempts.setAside(setAside);
            }
            // Counted before the position moves, so whoever waits for it (awaitCaughtUp) reads them.
            indexed.increment(fresh.size());
            duplicates.increment(dropped.size());
            expired.increment(tooOld);
            position.advance(next);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
        return new Indexed(fresh, dropped);
    }


    static byte[] visitorPrefix(String storeId, String visitorId) {
        return Keys.key().str(storeId).str(visitorId).build();
    }

    /**
     * The visitor event table's key of {@code e}: store, visitor, event time, event-id hash. The hash is
     * {@link Hash64#fnv1aUtf16}, not the {@link Hash64#eventId} person states keep: the keys already
     * stored were made with it, and the dashboard finds an event again by its key.
     */
    public static byte[] eventKey(Event e) {
        return Keys.key().str(e.storeId()).str(e.visitorId()).i64(e.eventTime().toEpochMilli())
                .i64(Hash64.fnv1aUtf16(e.eventId())).build();
    }

    /** A visitor's events in event-time order (oldest first), at most {@code limit}. */
    public List<Event> visitorEvents(String storeId, String visitorId, int limit) {
        byte[] prefix = visitorPrefix(storeId, visitorId);
        List<Event> out = new ArrayList<>();
        try (Slice upper = new Slice(Keys.prefixEnd(prefix));
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = rocks.db().newIterator(rocks.family(CF_EVENTS), ro)) {
            for (it.seek(prefix); it.isValid() && out.size() < limit; it.next()) {
                out.add(EventCodec.decode(it.value()));
            }
        }
        return out;
    }

    /** A visitor's latest event by event time, as indexed now (no wait). */
    public java.util.Optional<Event> latestVisitorEvent(String storeId, String visitorId) {
        byte[] prefix = visitorPrefix(storeId, visitorId);
        try (Slice lower = new Slice(prefix);
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower);
             RocksIterator it = rocks.db().newIterator(rocks.family(CF_EVENTS), ro)) {
            it.seekForPrev(Keys.prefixEnd(prefix));
            if (it.isValid() && startsWith(it.key(), prefix)) {
                return java.util.Optional.of(EventCodec.decode(it.value()));
            }
        }
        return java.util.Optional.empty();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * Privacy erasure: deletes every stored event of these visitor ids of the store. First waits (up
     * to {@code timeoutMillis}) until what the log held at call time is indexed, so that an event
     * acknowledged before the request is erased too; then deletes under the lock the indexing thread
     * holds per batch, so a batch in flight is either wholly erased or wholly later. When the
     * indexer is further behind than the wait, the erasure is recorded (durably, with the log end at
     * call time) and the indexer drops those visitors' events as it reaches them:
     * {@link Erasure#complete()} is then false. Events acknowledged after the request are a new visit
     * and are kept. The dedup keys (store, event id → event time) are kept on purpose: a client
     * retrying an erased event is then dropped as a duplicate instead of filing it again.
     */
    public Erasure eraseVisitors(String storeId, java.util.Collection<String> visitorIds, long timeoutMillis)
            throws InterruptedException {
        long target = log.end();
        boolean caughtUp = awaitCaughtUp(timeoutMillis);
        writing.lock();
        try (WriteBatch batch = new WriteBatch()) {
            int n = 0;
            boolean pending = !caughtUp && position.get() < target;
            if (pending) {
                // Events acknowledged before the request are not all filed yet: the indexer drops them as it reaches them.
                for (String visitorId : visitorIds) {
                    byte[] key = erasureKey(storeId, visitorId);
                    batch.put(rocks.family(CF_OFFSETS), key, ByteBuffer.allocate(8).putLong(target).array());
                    erasures.merge(storeId + '\u0000' + visitorId, target, Math::max);
                }
            }
            for (String visitorId : new java.util.TreeSet<>(visitorIds)) {
                byte[] prefix = visitorPrefix(storeId, visitorId);
                try (Slice upper = new Slice(Keys.prefixEnd(prefix));
                     ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
                     RocksIterator it = rocks.db().newIterator(rocks.family(CF_EVENTS), ro)) {
                    for (it.seek(prefix); it.isValid(); it.next()) {
                        batch.delete(rocks.family(CF_EVENTS), it.key());
                        n++;
                    }
                }
            }
            if (n > 0 || pending) {
                rocks.write(batch);
            }
            return new Erasure(n, !pending);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        } finally {
            writing.unlock();
        }
    }

    /**
     * What an erasure did.
     *
     * @param eventsRemoved stored events deleted
     * @param complete      false when the indexer had not reached every event acknowledged before the
     *                      request: those are dropped as it reaches them (the erasure is durable, not lost)
     */
    public record Erasure(int eventsRemoved, boolean complete) {
    }

    private static final String ERASURE_PREFIX = "erasure";

    private static byte[] erasureKey(String storeId, String visitorId) {
        return Keys.key().str(ERASURE_PREFIX).str(storeId).str(visitorId).build();
    }

    /** Pending erasures from the store (they survive a restart until the indexer passes their position). */
    private void loadErasures() {
        byte[] prefix = Keys.key().str(ERASURE_PREFIX).build();
        try (Slice upper = new Slice(Keys.prefixEnd(prefix));
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = rocks.db().newIterator(rocks.family(CF_OFFSETS), ro)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                ByteBuffer k = ByteBuffer.wrap(it.key());
                String kind = Keys.readStr(k);
                String storeId = Keys.readStr(k);
                String visitor = Keys.readStr(k);
                if (kind.equals(ERASURE_PREFIX)) {
                    erasures.put(storeId + '\u0000' + visitor, ByteBuffer.wrap(it.value()).getLong());
                }
            }
        }
    }

    /** Whether the record at {@code position} belongs to a visitor erased by a request made after it was acknowledged. */
    private boolean erased(Event e, long position) {
        Long until = erasures.get(e.storeId() + '\u0000' + e.visitorId());
        return until != null && position < until;
    }

    /** Forgets pending erasures the indexer has passed (in the batch that passes them). */
    private void dropPassedErasures(WriteBatch batch, long next) throws org.rocksdb.RocksDBException {
        for (var it = erasures.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue() <= next) {
                String[] parts = e.getKey().split("\u0000", 2);
                batch.delete(rocks.family(CF_OFFSETS), erasureKey(parts[0], parts[1]));
                it.remove();
            }
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
        threads.interrupt();
        try {
            threads.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
