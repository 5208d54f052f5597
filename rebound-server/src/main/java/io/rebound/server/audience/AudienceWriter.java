package io.rebound.server.audience;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.server.log.CorruptRecordException;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.RollingLog;
import io.rebound.server.runtime.ConsumedPosition;
import io.rebound.server.runtime.ConsumerThreads;
import io.rebound.server.runtime.DeadLetters;
import io.rebound.server.runtime.RecordFailedException;
import io.rebound.server.runtime.RocksDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The embedded runtime's writer ({@link ConsumerThreads}: one thread at a time): it runs the commands other threads hand it, consumes the
 * event log from its committed offset (each batch one unit of work, committed with the new offset),
 * advances the engine on time, and gives {@link SegmentJobs} and {@link Maintenance} their steps.
 * A record that keeps failing is set aside as a dead letter after {@link DeadLetters#MAX_ATTEMPTS}.
 */
final class AudienceWriter {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAudienceRuntime.class);
    /**
     * Most records one unit of work takes from the log. A unit ends with one RocksDB write, and a key
     * written many times in it (the change sequence, member counts, a person's state) reaches RocksDB
     * once; when the runtime has fallen behind, larger units catch up faster. Under a steady load it
     * reads what has arrived since the last unit, far fewer.
     */
    static final int LOG_BATCH = 4_000;
    private static final int LOG_BATCH_BYTES = 16 << 20;

    /**
     * When a unit of work spans several reads of the log ({@link #extend}).
     *
     * @param behindBytes  how far behind the log's end (in bytes) the writer must still be
     * @param millis       the longest such a unit goes on reading
     * @param pendingBytes the most pending writes (bytes of keys and values) it gathers
     */
    record UnitBounds(long behindBytes, long millis, long pendingBytes) {
        /** 4 MB behind (~20,000 events), 2 s, 256 MB. */
        static final UnitBounds DEFAULT = new UnitBounds(4L << 20, 2_000, 256L << 20);
    }
    private static final long TICK_MILLIS = 250;
    /** The longest wait while a retention sweep or a segment's backfill is under way: each goes a step a pass. */
    private static final long STEP_WAIT_MILLIS = 5;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String CONSUMER = "audience";

    private final RollingLog log;
    private final WriterState state;
    private final SegmentJobs segments;
    private final Maintenance maintenance;
    private final MembershipLatency latency;
    private final DeadLetters.Attempts attempts;
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final ConsumedPosition position;
    private final ConsumerThreads threads;
    /** Read by the writer thread at each unit; tests narrow them. */
    volatile UnitBounds bounds = UnitBounds.DEFAULT;
    /** Units of work that consumed the log, committed since start. */
    private volatile long logUnits;
    private volatile boolean running = true;
    private volatile boolean dead;
    /** The last unit stopped short of what the log held when it was read (a full batch): the writer is behind. */
    private boolean leftWaiting;

    /** Reads the committed offset; the thread starts with {@link #start}. */
    AudienceWriter(RollingLog log, RocksDatabase rocks, WriterState state, SegmentJobs segments,
                   Maintenance maintenance, MembershipLatency latency, DeadLetters deadLetters) {
        this.log = log;
        this.attempts = deadLetters.attempts(CONSUMER);
        this.state = state;
        this.segments = segments;
        this.maintenance = maintenance;
        this.latency = latency;
        byte[] saved = rocks.get(AudienceColumns.META, AudienceKeys.OFFSET);
        this.position = new ConsumedPosition(log.resumePosition(CONSUMER, saved == null ? 0 : AudienceKeys.i64(saved)));
        this.threads = ConsumerThreads.of("audience-writer", this::pass, this::afterLastPass);
    }

    void start() {
        threads.start();
    }

    /** Runs {@code task} on the writer thread and waits for its result. */
    <T> T call(Supplier<T> task) {
        if (dead) {
            throw new IllegalStateException("the audience runtime has stopped");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        enqueue(() -> {
            if (dead) {
                result.completeExceptionally(new IllegalStateException("the audience runtime has stopped"));
                return;
            }
            try {
                result.complete(task.get());
            } catch (EmbeddedAudienceRuntime.SimulatedCrash c) {
                result.completeExceptionally(new IllegalStateException("the audience runtime has stopped"));
                throw c;
            } catch (RuntimeException e) {
                state.uow.discard();
                state.rebuildEngine();
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
            // Where the writer is, so that a stall can be told from a slow command.
            StringBuilder at = new StringBuilder();
            Thread t = threads.current();
            for (StackTraceElement frame : t.getStackTrace()) {
                at.append("\n\tat ").append(frame);
            }
            LOG.error("the audience runtime did not answer a command within {}; its thread {} ({}) is at:{}",
                    COMMAND_TIMEOUT, t.getName(), t.getState(), at);
            throw new IllegalStateException("the audience runtime did not answer within " + COMMAND_TIMEOUT, e);
        }
    }

    /** Queues a command for the writer thread and wakes it if it waits for the log. */
    private void enqueue(Runnable command) {
        commands.add(command);
        log.wakeReaders();
    }

    /** On the writer thread: processes the log up to {@code target}, each batch committed; stops early at its end. */
    void catchUpTo(long target) {
        while (position.get() < target) {
            if (!consume()) {
                break;
            }
        }
    }

    /** Waits (up to {@code timeoutMillis}) until the log's current end is processed; false on timeout. */
    boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        return position.await(log.end(), timeoutMillis);
    }

    /** Log position up to which events are committed. */
    long position() {
        return position.get();
    }

    /** Units of work that consumed the log, committed since start. */
    long logUnits() {
        return logUnits;
    }

    /** True while the writer runs at the background priority, behind the log (or a long backfill or sweep). */
    boolean inBackground() {
        return threads.inBackground();
    }

    /** True once the thread has stopped (closed or crashed). */
    boolean stopped() {
        return dead;
    }

    /** Stops the thread after its current unit of work (waiting up to 10 s); pending commands fail. */
    void stop() {
        running = false;
        try {
            threads.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the thread -------------------------------------------------------------------------

    /**
     * One pass: the queued commands, a unit of the log, the engine's tick, a backfill and a
     * maintenance step; an idle pass waits for the log. False ends the loop. A pass that leaves
     * log records, a backfill or a sweep waiting tells {@link ConsumerThreads} it is behind.
     */
    private boolean pass() {
        if (!running) {
            return false;
        }
        try {
            long wakes = log.wakes(); // before the commands are polled: one queued after is not slept through
            boolean busy = false;
            Runnable command;
            while ((command = commands.poll()) != null) {
                command.run();
                busy = true;
            }
            busy |= consume();
            Instant now = state.clock.instant();
            Instant nextTimer = state.nextTimer();
            if (!now.isBefore(state.lastTick().plusMillis(TICK_MILLIS)) || (nextTimer != null && !now.isBefore(nextTimer))) {
                state.tick();
                state.commit();
            }
            busy |= segments.backfillStep();
            maintenance.step();
            if (leftWaiting || !segments.idle() || maintenance.stepping()) {
                threads.behind();
            } else {
                threads.caughtUp();
            }
            if (!busy) {
                log.awaitEnd(position.get(), waitMillis(), wakes);
            }
            return true;
        } catch (EmbeddedAudienceRuntime.SimulatedCrash c) {
            LOG.warn("audience runtime: simulated crash, pending unit of work dropped");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException | Error e) {
            if (!(e instanceof RecordFailedException)) { // a record's failure is counted and logged where it failed
                LOG.error("audience runtime: failed at log position {}; retrying in 1 s", position.get(), e);
            }
            state.uow.discard();
            state.rebuildEngine();
            try {
                Thread.sleep(1_000);
                return true;
            } catch (InterruptedException ie) {
                return false;
            }
        }
    }

    /** After the last pass: commands still queued fail with "stopped". */
    private void afterLastPass() {
        dead = true;
        Runnable left;
        while ((left = commands.poll()) != null) {
            try {
                left.run();
            } catch (RuntimeException | EmbeddedAudienceRuntime.SimulatedCrash ignored) {
                // the caller gets its exception through the future
            }
        }
    }

    /**
     * How long an idle pass may wait for the log: until the next timer or the next tick, and no more
     * than {@value #STEP_WAIT_MILLIS} ms while a sweep or a backfill goes a step a pass. Appends and
     * commands wake the thread at once. (It used to wake every 5 ms regardless: 200 passes a second on
     * an idle server, a core's 1–2 % and as many context switches.)
     */
    private long waitMillis() {
        long now = state.clock.millis();
        long cap = maintenance.stepping() || !segments.idle() ? STEP_WAIT_MILLIS
                : Math.max(1, state.lastTick().toEpochMilli() + TICK_MILLIS - now);
        Instant nextTimer = state.nextTimer();
        if (nextTimer == null) {
            return Math.min(cap, TICK_MILLIS);
        }
        return Math.max(0, Math.min(Math.min(cap, TICK_MILLIS), nextTimer.toEpochMilli() - now));
    }

    /**
     * Processes log records as one unit of work and commits it with the new offset. False when there
     * was none. A unit is one read of the log; far behind it goes on reading (see {@link #extend}).
     */
    private boolean consume() {
        List<LogRecord> records;
        long end = log.end();
        leftWaiting = false;
        try {
            records = log.read(position.get(), LOG_BATCH, LOG_BATCH_BYTES);
        } catch (CorruptRecordException damaged) {
            attempts.failed(damaged.position(), damaged);
            if (!attempts.exhausted(damaged.position())) {
                throw new RecordFailedException(damaged.position(), damaged);
            }
            state.tick();
            latency.reset();
            setAside(new byte[0]);
            return committed(damaged.resumeAt());
        }
        if (records.isEmpty()) {
            return false;
        }
        latency.reset();
        long started = System.nanoTime();
        long next = position.get();
        while (true) {
            state.tick();
            leftWaiting = records.get(records.size() - 1).nextPosition() < end;
            for (LogRecord r : records) {
                next = r.nextPosition();
                if (attempts.exhausted(r.position())) {
                    setAside(r.payload());
                    return committed(next); // this unit ends here, so the letter commits with the offset past it
                }
                try {
                    accept(r);
                } catch (StateStorageException | EmbeddedAudienceRuntime.SimulatedCrash notTheRecords) {
                    throw notTheRecords;
                } catch (RuntimeException | Error failure) {
                    attempts.failed(r.position(), failure);
                    throw new RecordFailedException(r.position(), failure);
                }
            }
            if (!extend(next, end, started)) {
                break;
            }
            end = log.end();
            try {
                records = log.read(next, LOG_BATCH, LOG_BATCH_BYTES);
            } catch (CorruptRecordException damaged) {
                break; // what this unit read commits; the next unit starts at the damaged record and deals with it
            }
            if (records.isEmpty()) {
                break;
            }
        }
        return committed(next);
    }

    /**
     * Whether the unit read up to {@code next} goes on reading the log instead of committing: only
     * while the writer is still far behind the log, for a bounded time and heap of pending writes
     * ({@link UnitBounds}), and never with a command waiting. A person's state written by several
     * events of one unit reaches RocksDB once (its WAL, memtable, flush and blob file): the larger the
     * unit, the fewer copies of a long state, and the backlog is caught up sooner. Under a load the
     * writer keeps up with, a unit is what arrived since the last one, so the event → membership
     * latency is unchanged.
     */
    private boolean extend(long next, long end, long startedNanos) {
        UnitBounds b = bounds;
        return leftWaiting && end - next >= b.behindBytes() && commands.isEmpty()
                && state.uow.pendingBytes() < b.pendingBytes()
                && System.nanoTime() - startedNanos < b.millis() * 1_000_000L;
    }

    private void accept(LogRecord r) {
        Event e = EventCodec.decode(r.payload());
        if (e.userId() == null && e.emailHash() == null && e.anonymousId() == null) {
            return; // no identity key (PersonIds.keysOf would be empty), asked without building the keys the engine builds
        }
        state.ensureRetention(e.storeId());
        try {
            state.engine().accept(e);
        } catch (StateStorageException failure) {
            throw failure;
        } catch (IllegalArgumentException | java.util.NoSuchElementException rejected) {
            LOG.warn("audience runtime: skipped event {} of store {}: {}", e.eventId(), e.storeId(),
                    rejected.getMessage());
        }
        touchActivity(e);
        latency.received(e.receivedAt());
    }

    /** Writes the dead letter of the record that failed too often into this unit of work. */
    private void setAside(byte[] payload) {
        DeadLetters.Letter letter = attempts.letter();
        state.uow.put(DeadLetters.CF, attempts.key(), attempts.value(letter, payload));
        state.uow.afterCommit(() -> attempts.setAside(letter));
    }

    /** Commits the unit of work with the offset {@code next} and publishes it. */
    private boolean committed(long next) {
        state.uow.put(AudienceColumns.META, AudienceKeys.OFFSET, AudienceKeys.i64(next));
        state.commit();
        latency.record();
        logUnits++; // only the writer thread writes it
        position.advance(next);
        return true;
    }

    /** Keeps the latest event time per visitor id, for the 30-day unique-visitor count. */
    private void touchActivity(Event e) {
        String visitor = e.anonymousId() != null ? e.anonymousId() : e.userId();
        if (visitor == null) {
            return;
        }
        byte[] key = AudienceKeys.activity(e.storeId(), visitor);
        byte[] old = state.uow.get(AudienceColumns.ACTIVITY, key);
        long t = e.eventTime().toEpochMilli();
        if (old == null || AudienceKeys.i64(old) < t) {
            state.uow.put(AudienceColumns.ACTIVITY, key, AudienceKeys.i64(t));
        }
    }
}
