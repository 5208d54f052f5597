package io.rebound.server.audience;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.rebound.core.engine.AudienceEngine;
import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.SegmentBackfill;
import io.rebound.core.event.Event;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.store.Store;
import io.rebound.server.log.CorruptRecordException;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.SegmentedLog;
import io.rebound.server.runtime.BackgroundPriority;
import io.rebound.server.runtime.DeadLetters;
import io.rebound.server.runtime.RecordFailedException;
import io.rebound.server.runtime.RocksStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The embedded audience runtime: one writer thread that consumes the event log from its own
 * committed offset and drives {@link AudienceEngine} over RocksDB ports. Each unit of work — a
 * batch of events, a timer tick, a backfill chunk, an API command — is collected in one
 * {@link UnitOfWork} and committed in one atomic RocksDB write together with the log offset, so
 * after a crash the runtime resumes exactly where it committed; replaying an event is harmless
 * anyway (visitor state dedups by event id).
 *
 * <p>Time comes from the injected {@link Clock}: the engine is advanced at least every 250 ms and
 * as soon as the earliest timer is due, so members leave within milliseconds of a window's end.
 * Segment definitions live in the metadata database ({@link SegmentRepository}) and are restored
 * at start; creating or editing one runs a {@link BackfillJob} in chunks between live events.
 *
 * <p>A log record that fails (an exception or an {@link Error} while it is processed, or a damaged
 * frame) is retried and after {@link DeadLetters#MAX_ATTEMPTS} failures set aside as a dead letter
 * in the unit of work that moves the offset past it.
 *
 * <p>Thread-safety: public methods may be called from any thread; those that change state run on
 * the writer thread and wait for it. Queries go through {@link AudienceReader} (committed state).
 */
public final class EmbeddedAudienceRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAudienceRuntime.class);
    static final int BACKFILL_CHUNK = 500;
    /** Below this many persons a chunk's steps run on the writer thread alone: forking would cost more. */
    private static final int PARALLEL_FROM = 64;
    /**
     * Most records one unit of work takes from the log. A unit ends with one RocksDB write, and a key
     * written many times in it (the change sequence, member counts, a person's state) reaches RocksDB
     * once; when the runtime has fallen behind, larger units catch up faster. Under a steady load it
     * reads what has arrived since the last unit, far fewer.
     */
    private static final int LOG_BATCH = 4_000;
    private static final int LOG_BATCH_BYTES = 16 << 20;
    private static final long TICK_MILLIS = 250;
    private static final long IDLE_WAIT_MILLIS = 5;
    private static final Duration SAMPLE_EVERY = Duration.ofHours(1);
    private static final Duration SWEEP_EVERY = Duration.ofHours(1);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String CONSUMER = "audience";

    private final SegmentedLog log;
    private final RocksStore rocks;
    private final SegmentRepository repository;
    private final Function<String, Optional<Store>> stores;
    private final Clock clock;
    private final UnitOfWork uow;
    private final RocksPersonStore persons;
    private final RocksIdentityStore identities;
    private final RocksTimerStore timers;
    private final RocksMembershipStore memberships;
    private final AudienceReader reader;
    private final RetentionSweep sweep;
    private final SelfAudit audit;
    private final DeadLetters.Attempts attempts;
    private final Map<String, Map<String, SegmentRecord>> registry = new ConcurrentHashMap<>();
    private final Map<String, Duration> retentions = new ConcurrentHashMap<>();
    private final Map<String, BackfillJob> jobs = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Object progressLock = new Object();
    private final Thread writer;
    private AudienceEngine engine;
    private volatile long position;
    private volatile boolean running = true;
    private volatile boolean dead;
    private Instant lastTick = Instant.MIN;
    private Instant nextTimer;
    private Instant lastSample;
    private Instant lastSweep;
    /** Test hook run just before each commit: a test throws {@link SimulatedCrash} to "kill -9" there. */
    volatile Runnable beforeCommit = () -> { };

    /**
     * @param log        the event log to consume
     * @param rocks      the server's RocksDB, opened with {@link AudienceColumns#ALL}
     * @param repository segment definitions
     * @param stores     store lookup (for each store's retention)
     * @param clock      wall clock (tests pass a controllable one)
     */
    private volatile Timer latency;
    private long[] receivedMillis = new long[0];
    private int received;

    public EmbeddedAudienceRuntime(SegmentedLog log, RocksStore rocks, SegmentRepository repository,
                                   Function<String, Optional<Store>> stores, Clock clock) {
        this(log, rocks, repository, stores, clock, new DeadLetters(rocks, clock));
    }

    public EmbeddedAudienceRuntime(SegmentedLog log, RocksStore rocks, SegmentRepository repository,
                                   Function<String, Optional<Store>> stores, Clock clock, DeadLetters deadLetters) {
        this.log = log;
        this.attempts = deadLetters.attempts(CONSUMER);
        this.rocks = rocks;
        this.repository = repository;
        this.stores = stores;
        this.clock = clock;
        this.uow = new UnitOfWork(rocks);
        this.persons = new RocksPersonStore(uow);
        this.identities = new RocksIdentityStore(uow);
        this.timers = new RocksTimerStore(uow);
        MemberIndex members = MemberIndex.load(rocks);
        this.memberships = new RocksMembershipStore(uow, members);
        this.reader = new AudienceReader(rocks, members);
        this.sweep = new RetentionSweep(uow, persons, identities, timers, memberships, this::processor);
        this.audit = new SelfAudit(uow, persons, timers, memberships, this::processor);
        byte[] saved = rocks.get(AudienceColumns.META, AudienceKeys.OFFSET);
        this.position = log.resumePosition(CONSUMER, saved == null ? 0 : AudienceKeys.i64(saved));
        this.engine = new AudienceEngine(persons, identities, timers, memberships, clock.instant());
        restore();
        this.writer = Thread.ofPlatform().name("audience-writer").daemon(true).start(this::run);
    }

    // ---- restore ---------------------------------------------------------------------------

    /** Re-installs every segment from the database, resumes unfinished backfills and deletions. */
    private void restore() {
        for (SegmentRecord s : repository.all()) {
            ensureRetention(s.storeId());
            registry.computeIfAbsent(s.storeId(), k -> new ConcurrentHashMap<>()).put(s.id(), s);
            engine.restoreSegment(s.segment());
            if (s.status() == SegmentRecord.Status.BUILDING) {
                startJob(s.storeId(), s.id(), BackfillJob.Kind.BUILD);
            }
        }
        uow.scan(AudienceColumns.META, AudienceKeys.deletingPrefix(), AudienceKeys.deletingPrefix(), (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            String store = r.str();
            String segment = r.str();
            startJob(store, segment, BackfillJob.Kind.DELETE);
            return true;
        });
        nextTimer = engine.nextTimer();
        lastSample = clock.instant().minus(SAMPLE_EVERY);
        lastSweep = clock.instant();
    }

    // ---- commands (any thread) ---------------------------------------------------------------

    /**
     * Creates or replaces a segment effective now; the returned record is {@code building} and the
     * future of {@link #backfillDone} completes when its backfill has finished.
     */
    public SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template) {
        return call(() -> {
            tick();
            Instant now = engine.now();
            SegmentRecord old = registry.getOrDefault(storeId, Map.of()).get(segmentId);
            SegmentRecord s = new SegmentRecord(storeId, segmentId, definition, template, SegmentRecord.Status.BUILDING,
                    old == null ? clock.instant() : old.createdAt(), clock.instant(), now);
            repository.save(s);
            ensureRetention(storeId);
            registry.computeIfAbsent(storeId, k -> new ConcurrentHashMap<>()).put(segmentId, s);
            engine.restoreSegment(s.segment());
            // A deletion still running for this id would drop the new version's members: finish it first.
            uow.delete(AudienceColumns.META, AudienceKeys.deleting(storeId, segmentId));
            startJob(storeId, segmentId, BackfillJob.Kind.BUILD);
            commit();
            return s;
        });
    }

    /** A new segment with a fresh id. */
    public SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template) {
        return putSegment(storeId, newId(), definition, template);
    }

    /** Deletes a segment: it disappears from the API now; its members leave as a background pass reaches them. */
    public boolean deleteSegment(String storeId, String segmentId) {
        return call(() -> {
            Map<String, SegmentRecord> store = registry.get(storeId);
            if (store == null || store.remove(segmentId) == null) {
                return false;
            }
            tick();
            repository.delete(storeId, segmentId);
            rebuildEngine();
            uow.put(AudienceColumns.META, AudienceKeys.deleting(storeId, segmentId), new byte[0]);
            startJob(storeId, segmentId, BackfillJob.Kind.DELETE);
            commit();
            return true;
        });
    }

    /** Completes when the segment's current backfill or deletion pass has finished (at once if none runs). */
    public CompletableFuture<Void> backfillDone(String storeId, String segmentId) {
        BackfillJob job = jobs.get(jobKey(storeId, segmentId));
        return job == null ? CompletableFuture.completedFuture(null) : job.finished;
    }

    /**
     * What a privacy erasure removed.
     *
     * @param personId     the erased person, or null when no person had the visitor id
     * @param visitorIds   the visitor id asked for and every id linked to the same person
     * @param segmentsLeft ids of the segments the person was a member of (each got a LEFT)
     */
    public record Erasure(String personId, java.util.Set<String> visitorIds, List<String> segmentsLeft) {
    }

    /** Privacy erasure of the person a visitor id belongs to: state, ids, memberships (they leave now). */
    public boolean eraseVisitor(String storeId, String visitorId) {
        return forgetVisitor(storeId, visitorId).personId() != null;
    }

    /**
     * As {@link #eraseVisitor}, reporting what was removed. Everything in the log when called is
     * processed first, so an event acknowledged before the request cannot bring the person back.
     */
    public Erasure forgetVisitor(String storeId, String visitorId) {
        long target = log.end();
        return call(() -> {
            while (position < target && consume()) {
                // catching up: consume() commits each batch
            }
            tick();
            java.util.Set<String> ids = new java.util.TreeSet<>();
            ids.add(visitorId);
            String person = identities.personOf(storeId, PersonIds.anonymousKey(visitorId));
            person = person != null ? person : identities.personOf(storeId, PersonIds.userKey(visitorId));
            if (person == null) {
                return new Erasure(null, ids, List.of());
            }
            List<String> left = new ArrayList<>();
            PersonState state = persons.get(storeId, person);
            if (state != null) {
                ids.addAll(state.ids().anonymousIds());
                ids.addAll(state.ids().userIds());
                state.segments().forEach((segment, status) -> {
                    if (status.member()) {
                        left.add(segment);
                    }
                });
                left.sort(null);
            }
            erase(storeId, person);
            commit();
            return new Erasure(person, java.util.Collections.unmodifiableSet(ids), List.copyOf(left));
        });
    }

    /** Privacy erasure by person id. */
    public void erasePerson(String storeId, String personId) {
        call(() -> {
            tick();
            erase(storeId, personId);
            commit();
            return null;
        });
    }

    private void erase(String storeId, String personId) {
        PersonState state = persons.get(storeId, personId);
        if (state != null) {
            for (String a : state.ids().anonymousIds()) {
                uow.delete(AudienceColumns.ACTIVITY, AudienceKeys.activity(storeId, a));
            }
            for (String u : state.ids().userIds()) {
                uow.delete(AudienceColumns.ACTIVITY, AudienceKeys.activity(storeId, u));
            }
        }
        engine.erasePerson(storeId, personId);
    }

    /**
     * Waits until every event durable in the log when called has been processed and committed,
     * and the engine has been advanced to the clock's current time.
     */
    public void sync() {
        long target = log.end();
        call(() -> {
            while (position < target) {
                if (!consume()) {
                    break;
                }
            }
            tick();
            commit();
            return null;
        });
    }

    /** Waits (up to {@code timeoutMillis}) until the log's current end is processed; false on timeout. */
    public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        long target = log.end();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (progressLock) {
            while (position < target) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                progressLock.wait(left);
            }
        }
        return true;
    }

    private <T> T call(Supplier<T> task) {
        if (dead) {
            throw new IllegalStateException("the audience runtime has stopped");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        commands.add(() -> {
            if (dead) {
                result.completeExceptionally(new IllegalStateException("the audience runtime has stopped"));
                return;
            }
            try {
                result.complete(task.get());
            } catch (SimulatedCrash c) {
                result.completeExceptionally(new IllegalStateException("the audience runtime has stopped"));
                throw c;
            } catch (RuntimeException e) {
                uow.discard();
                rebuildEngine();
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the audience runtime did not answer within " + COMMAND_TIMEOUT, e);
        }
    }

    // ---- queries ----------------------------------------------------------------------------

    /** Reads over committed state. */
    public AudienceReader reader() {
        return reader;
    }

    public List<SegmentRecord> segments(String storeId) {
        List<SegmentRecord> out = new ArrayList<>(registry.getOrDefault(storeId, Map.of()).values());
        out.sort(java.util.Comparator.comparing(SegmentRecord::createdAt).thenComparing(SegmentRecord::id));
        return out;
    }

    public Optional<SegmentRecord> segment(String storeId, String segmentId) {
        return Optional.ofNullable(registry.getOrDefault(storeId, Map.of()).get(segmentId));
    }

    /** Progress of the segment's backfill; {@link BackfillJob.Progress#DONE} when none is running. */
    public BackfillJob.Progress progress(String storeId, String segmentId) {
        BackfillJob job = jobs.get(jobKey(storeId, segmentId));
        return job == null || job.kind != BackfillJob.Kind.BUILD ? BackfillJob.Progress.DONE : job.progress();
    }

    /** Log position up to which events are committed. */
    public long position() {
        return position;
    }

    public Clock clock() {
        return clock;
    }

    // ---- the writer thread ------------------------------------------------------------------

    private void run() {
        BackgroundPriority.lowerCurrentThread();
        while (running) {
            try {
                boolean busy = false;
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                    busy = true;
                }
                busy |= consume();
                Instant now = clock.instant();
                if (!now.isBefore(lastTick.plusMillis(TICK_MILLIS)) || (nextTimer != null && !now.isBefore(nextTimer))) {
                    tick();
                    commit();
                }
                busy |= backfillStep();
                maintenance();
                if (!busy) {
                    log.awaitEnd(position, waitMillis());
                }
            } catch (SimulatedCrash c) {
                LOG.warn("audience runtime: simulated crash, pending unit of work dropped");
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                if (!(e instanceof RecordFailedException)) { // a record's failure is counted and logged where it failed
                    LOG.error("audience runtime: failed at log position {}; retrying in 1 s", position, e);
                }
                uow.discard();
                rebuildEngine();
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        dead = true;
        Runnable left;
        while ((left = commands.poll()) != null) {
            try {
                left.run();
            } catch (RuntimeException | SimulatedCrash ignored) {
                // the caller gets its exception through the future
            }
        }
    }

    private long waitMillis() {
        if (nextTimer == null) {
            return IDLE_WAIT_MILLIS;
        }
        long untilTimer = nextTimer.toEpochMilli() - clock.millis();
        return Math.max(0, Math.min(IDLE_WAIT_MILLIS, untilTimer));
    }

    /** Advances the engine to the clock: fires due timers, dated at their exact instants. */
    private void tick() {
        Instant now = clock.instant();
        engine.advanceTo(now);
        lastTick = now;
    }

    /** Processes one batch of log records and commits it with the new offset. False when there was none. */
    private boolean consume() {
        List<LogRecord> records;
        try {
            records = log.read(position, LOG_BATCH, LOG_BATCH_BYTES);
        } catch (CorruptRecordException damaged) {
            attempts.failed(damaged.position(), damaged);
            if (!attempts.exhausted(damaged.position())) {
                throw new RecordFailedException(damaged.position(), damaged);
            }
            tick();
            received = 0;
            setAside(new byte[0]);
            return committed(damaged.resumeAt());
        }
        if (records.isEmpty()) {
            return false;
        }
        tick();
        received = 0;
        long next = position;
        for (LogRecord r : records) {
            next = r.nextPosition();
            if (attempts.exhausted(r.position())) {
                setAside(r.payload());
                break; // this unit ends here, so the letter commits with the offset past it
            }
            try {
                accept(r, records.size());
            } catch (StateStoreException | SimulatedCrash notTheRecords) {
                throw notTheRecords;
            } catch (RuntimeException | Error failure) {
                attempts.failed(r.position(), failure);
                throw new RecordFailedException(r.position(), failure);
            }
        }
        return committed(next);
    }

    private void accept(LogRecord r, int batchSize) {
        Event e = EventCodec.decode(r.payload());
        if (PersonIds.keysOf(e).isEmpty()) {
            return;
        }
        ensureRetention(e.storeId());
        try {
            engine.accept(e);
        } catch (StateStoreException failure) {
            throw failure;
        } catch (IllegalArgumentException | java.util.NoSuchElementException rejected) {
            LOG.warn("audience runtime: skipped event {} of store {}: {}", e.eventId(), e.storeId(),
                    rejected.getMessage());
        }
        touchActivity(e);
        if (receivedMillis.length < batchSize) {
            receivedMillis = new long[Math.max(batchSize, LOG_BATCH)];
        }
        receivedMillis[received++] = e.receivedAt().toEpochMilli();
    }

    /** Writes the dead letter of the record that failed too often into this unit of work. */
    private void setAside(byte[] payload) {
        DeadLetters.Letter letter = attempts.letter();
        uow.put(DeadLetters.CF, attempts.key(), attempts.value(letter, payload));
        uow.afterCommit(() -> attempts.setAside(letter));
    }

    /** Commits the unit of work with the offset {@code next} and publishes it. */
    private boolean committed(long next) {
        uow.put(AudienceColumns.META, AudienceKeys.OFFSET, AudienceKeys.i64(next));
        commit();
        recordLatency();
        synchronized (progressLock) {
            position = next;
            progressLock.notifyAll();
        }
        return true;
    }

    /**
     * Exports {@code rebound.audience.event.to.membership}: wall time from the collector accepting an
     * event to the commit of the membership state it produced — the freshness an operator watches.
     */
    public void recordLatencyIn(MeterRegistry metrics) {
        this.latency = Timer.builder("rebound.audience.event.to.membership")
                .description("from the collector accepting an event to its memberships being committed")
                .publishPercentiles(0.5, 0.99)
                // Percentiles over the last 10–20 s: what freshness is now, not since start-up.
                .distributionStatisticExpiry(java.time.Duration.ofSeconds(20)).distributionStatisticBufferLength(2)
                .register(metrics);
    }

    private void recordLatency() {
        Timer t = latency;
        if (t == null) {
            return;
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < received; i++) {
            t.record(Math.max(0, now - receivedMillis[i]), TimeUnit.MILLISECONDS);
        }
    }

    /** Keeps the latest event time per visitor id, for the 30-day unique-visitor count. */
    private void touchActivity(Event e) {
        String visitor = e.anonymousId() != null ? e.anonymousId() : e.userId();
        if (visitor == null) {
            return;
        }
        byte[] key = AudienceKeys.activity(e.storeId(), visitor);
        byte[] old = uow.get(AudienceColumns.ACTIVITY, key);
        long t = e.eventTime().toEpochMilli();
        if (old == null || AudienceKeys.i64(old) < t) {
            uow.put(AudienceColumns.ACTIVITY, key, AudienceKeys.i64(t));
        }
    }

    private void commit() {
        if (uow.dirty()) {
            beforeCommit.run();
            uow.commit();
        }
        nextTimer = engine.nextTimer();
    }

    // ---- backfill ---------------------------------------------------------------------------

    private void startJob(String storeId, String segmentId, BackfillJob.Kind kind) {
        long[] count = new long[1];
        byte[] prefix = AudienceKeys.store(storeId);
        uow.scan(AudienceColumns.PERSONS, prefix, prefix, (k, v) -> {
            count[0]++;
            return true;
        });
        BackfillJob job = new BackfillJob(storeId, segmentId, kind, count[0]);
        BackfillJob old = jobs.put(jobKey(storeId, segmentId), job);
        if (old != null) {
            job.finished.whenComplete((v, e) -> old.finished.complete(null));
        }
    }

    /**
     * One chunk of every running pass. True when there was work. The chunk's steps are pure
     * ({@link SegmentBackfill}), so they run on all cores; their results are applied here, in key order.
     */
    private boolean backfillStep() {
        if (jobs.isEmpty()) {
            return false;
        }
        tick();
        for (BackfillJob job : List.copyOf(jobs.values())) {
            byte[] prefix = AudienceKeys.store(job.storeId);
            List<byte[]> chunk = new ArrayList<>(BACKFILL_CHUNK);
            byte[][] last = new byte[1][];
            uow.scan(AudienceColumns.PERSONS, prefix, job.cursor == null ? prefix : job.cursor, (k, v) -> {
                if (job.cursor != null && java.util.Arrays.equals(k, job.cursor)) {
                    return true;
                }
                last[0] = k;
                chunk.add(v);
                return chunk.size() < BACKFILL_CHUNK;
            });
            SegmentBackfill backfill = new SegmentBackfill(processor(job.storeId), job.segmentId);
            Instant now = engine.now();
            List<SegmentBackfill.Stored> results = (chunk.size() >= PARALLEL_FROM ? chunk.parallelStream() : chunk.stream())
                    .map(state -> backfill.step(state, now)).toList();
            for (SegmentBackfill.Stored stored : results) {
                if (stored != null) {
                    AudienceProcessor.Result r = stored.result();
                    persons.put(r.state(), stored.encoded());
                    memberships.record(r.changes());
                    timers.set(r.state().storeId(), r.state().personId(), r.nextTimer());
                }
            }
            job.cursor = last[0] == null ? job.cursor : last[0];
            job.advanced(chunk.size());
            if (chunk.size() < BACKFILL_CHUNK) {
                finish(job);
            } else {
                commit();
            }
        }
        return true;
    }

    private void finish(BackfillJob job) {
        if (job.kind == BackfillJob.Kind.DELETE) {
            memberships.dropSegment(job.storeId, job.segmentId);
            uow.delete(AudienceColumns.META, AudienceKeys.deleting(job.storeId, job.segmentId));
            commit();
        } else {
            commit();
            SegmentRecord s = registry.getOrDefault(job.storeId, Map.of()).get(job.segmentId);
            if (s != null) {
                Instant at = clock.instant();
                repository.setStatus(job.storeId, job.segmentId, SegmentRecord.Status.READY, at);
                registry.get(job.storeId).put(job.segmentId, s.withStatus(SegmentRecord.Status.READY, at));
                sample(job.storeId, job.segmentId, at);
                commit();
            }
        }
        jobs.remove(jobKey(job.storeId, job.segmentId), job);
        job.finished.complete(null);
    }

    AudienceProcessor processor(String storeId) {
        Collection<Segment> segments = registry.getOrDefault(storeId, Map.of()).values().stream()
                .map(SegmentRecord::segment).toList();
        return new AudienceProcessor(storeId, segments, retention(storeId));
    }

    /** A fresh engine over the same ports with the registry's segments (how a segment is removed without a blocking pass). */
    private void rebuildEngine() {
        Instant now = engine.now();
        engine = new AudienceEngine(persons, identities, timers, memberships, now);
        retentions.forEach(engine::setRetention);
        registry.values().forEach(m -> m.values().forEach(s -> engine.restoreSegment(s.segment())));
    }

    // ---- maintenance ------------------------------------------------------------------------

    private void maintenance() {
        Instant now = clock.instant();
        if (!now.isBefore(lastSample.plus(SAMPLE_EVERY))) {
            lastSample = now;
            registry.forEach((store, segments) -> segments.keySet().forEach(id -> sample(store, id, now)));
            refreshRetentions();
            commit();
        }
        if (!now.isBefore(lastSweep.plus(SWEEP_EVERY))) {
            lastSweep = now;
            sweep.start();
        }
        if (sweep.running()) {
            sweep.step(engine.now());
            commit();
        }
        if (jobs.isEmpty() && audit.step(engine.now())) {
            commit();
        }
    }

    /** Runs the writer's periodic maintenance (samples, sweeps, the self-check when due) now, and waits. */
    void maintainNow() {
        call(() -> {
            tick();
            maintenance();
            commit();
            return null;
        });
    }

    /** What the background self-check found (see {@link SelfAudit}). */
    public AuditStats audits() {
        return audit.stats();
    }

    /** Audits {@code sample} persons (0: off) every {@code every}; the default is 100 a minute. */
    public void configureAudit(Duration every, int sample) {
        audit.configure(every, sample);
    }

    private void sample(String storeId, String segmentId, Instant at) {
        long size = AudienceKeys.i64(uow.get(AudienceColumns.COUNTS, AudienceKeys.segment(storeId, segmentId)));
        uow.put(AudienceColumns.SIZES, AudienceKeys.size(storeId, segmentId, at.toEpochMilli()), AudienceKeys.i64(size));
    }

    private void ensureRetention(String storeId) {
        if (!retentions.containsKey(storeId)) {
            setRetention(storeId, lookupRetention(storeId));
        }
    }

    private void refreshRetentions() {
        for (String storeId : List.copyOf(retentions.keySet())) {
            Duration d = lookupRetention(storeId);
            if (!d.equals(retentions.get(storeId))) {
                setRetention(storeId, d);
            }
        }
    }

    private void setRetention(String storeId, Duration d) {
        retentions.put(storeId, d);
        engine.setRetention(storeId, d);
    }

    private Duration lookupRetention(String storeId) {
        int days;
        try {
            days = stores.apply(storeId).map(Store::retentionDays).orElse(Store.DEFAULT_RETENTION_DAYS);
        } catch (RuntimeException e) {
            LOG.warn("audience runtime: cannot read retention of store {}: {}", storeId, e.getMessage());
            days = Store.DEFAULT_RETENTION_DAYS;
        }
        return Duration.ofDays(days);
    }

    /** The store's effective retention: configured, raised to its longest segment window. */
    Duration retention(String storeId) {
        Duration configured = retentions.getOrDefault(storeId, Duration.ofDays(Store.DEFAULT_RETENTION_DAYS));
        Duration longest = registry.getOrDefault(storeId, Map.of()).values().stream()
                .map(s -> s.definition().longestWindow()).max(Duration::compareTo).orElse(Duration.ZERO);
        return longest.compareTo(configured) > 0 ? longest : configured;
    }

    private static String jobKey(String storeId, String segmentId) {
        return storeId + '\u0000' + segmentId;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    static String newId() {
        StringBuilder b = new StringBuilder("sg_");
        for (int i = 0; i < 16; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** Stops the writer after its current unit of work; pending commands fail. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uow.close();
    }

    /** Thrown by a test's {@link #beforeCommit} hook: the writer stops at once, like a kill -9. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash");
        }
    }

    /** True once the writer has stopped (closed or crashed). */
    boolean stopped() {
        return dead;
    }
}
