package io.rebound.server.audience;

import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.engine.AudienceEngine;
import io.rebound.core.engine.AuditStats;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.store.Store;
import io.rebound.server.log.RollingLog;
import io.rebound.server.runtime.DeadLetters;
import io.rebound.server.runtime.RocksDatabase;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

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
 * <p>This class is the runtime's API; the work is done by package-private collaborators: the writer
 * thread ({@link AudienceWriter}) over the state it works on ({@link WriterState}), segment commands
 * and backfill passes ({@link SegmentJobs}), periodic maintenance ({@link Maintenance}), privacy
 * erasure ({@link VisitorErasure}) and the freshness metric ({@link MembershipLatency}).
 *
 * <p>Thread-safety: public methods may be called from any thread; those that change state run on
 * the writer thread and wait for it. Queries go through {@link AudienceReader} (committed state).
 */
public final class EmbeddedAudienceRuntime implements AutoCloseable {
    static final int BACKFILL_CHUNK = SegmentJobs.BACKFILL_CHUNK;

    private final RollingLog log;
    private final WriterState state;
    private final SegmentJobs segments;
    private final Maintenance maintenance;
    private final VisitorErasure erasure;
    private final MembershipLatency latency;
    private final AudienceWriter writer;
    /** Test hook run just before each commit: a test throws {@link SimulatedCrash} to "kill -9" there. */
    volatile Runnable beforeCommit = () -> { };

    /** Test hook: when a unit of work spans several reads of the log. */
    void unitBounds(AudienceWriter.UnitBounds bounds) {
        writer.bounds = bounds;
    }

    /** Test hook: units of work that consumed the log, committed since start. */
    long logUnits() {
        return writer.logUnits();
    }

    /** Test hook: runs {@code task} on the writer thread, as a command, and waits for it. */
    void onWriter(Runnable task) {
        writer.call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * @param log        the event log to consume
     * @param rocks      the server's RocksDB, opened with {@link AudienceColumns#ALL}
     * @param repository segment definitions
     * @param stores     store lookup (for each store's retention)
     * @param clock      wall clock (tests pass a controllable one)
     */
    public EmbeddedAudienceRuntime(RollingLog log, RocksDatabase rocks, SegmentRepository repository,
                                   Function<String, Optional<Store>> stores, Clock clock) {
        this(log, rocks, repository, stores, clock, new DeadLetters(rocks, clock));
    }

    public EmbeddedAudienceRuntime(RollingLog log, RocksDatabase rocks, SegmentRepository repository,
                                   Function<String, Optional<Store>> stores, Clock clock, DeadLetters deadLetters) {
        this.log = log;
        this.state = new WriterState(rocks, stores, clock, () -> beforeCommit.run());
        this.segments = new SegmentJobs(state, repository);
        this.maintenance = new Maintenance(state, segments);
        this.erasure = new VisitorErasure(state);
        this.latency = new MembershipLatency(AudienceWriter.LOG_BATCH);
        this.writer = new AudienceWriter(log, rocks, state, segments, maintenance, latency, deadLetters);
        state.startEngine();
        segments.restore();
        state.refreshNextTimer();
        maintenance.start();
        writer.start();
    }

    // ---- commands (any thread) ---------------------------------------------------------------

    /**
     * Creates or replaces a segment effective now; the returned record is {@code building} and the
     * future of {@link #backfillDone} completes when its backfill has finished.
     */
    public SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template) {
        return writer.call(() -> segments.put(storeId, segmentId, definition, template));
    }

    /** A new segment with a fresh id. */
    public SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template) {
        return putSegment(storeId, SegmentIds.newId(), definition, template);
    }

    /** Deletes a segment: it disappears from the API now; its members leave as a background pass reaches them. */
    public boolean deleteSegment(String storeId, String segmentId) {
        return writer.call(() -> segments.delete(storeId, segmentId));
    }

    /** Completes when the segment's current backfill or deletion pass has finished (at once if none runs). */
    public CompletableFuture<Void> backfillDone(String storeId, String segmentId) {
        return segments.backfillDone(storeId, segmentId);
    }

    /**
     * What a privacy erasure removed.
     *
     * @param personId     the erased person, or null when no person had the visitor id
     * @param visitorIds   the visitor id asked for and every id linked to the same person
     * @param segmentsLeft ids of the segments the person was a member of (each got a LEFT)
     * @param emailHashes  the person's email hashes as they were before the erasure
     */
    public record Erasure(String personId, java.util.Set<String> visitorIds, List<String> segmentsLeft,
                          java.util.Set<String> emailHashes) {
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
        return writer.call(() -> {
            writer.catchUpTo(target); // consume() commits each batch
            return erasure.forget(storeId, visitorId);
        });
    }

    /** Privacy erasure by person id. */
    public void erasePerson(String storeId, String personId) {
        writer.call(() -> {
            erasure.erasePerson(storeId, personId);
            return null;
        });
    }

    /**
     * Waits until every event durable in the log when called has been processed and committed,
     * and the engine has been advanced to the clock's current time.
     */
    public void sync() {
        long target = log.end();
        writer.call(() -> {
            writer.catchUpTo(target);
            state.tick();
            state.commit();
            return null;
        });
    }

    /** Waits (up to {@code timeoutMillis}) until the log's current end is processed; false on timeout. */
    public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        return writer.awaitCaughtUp(timeoutMillis);
    }

    // ---- queries ----------------------------------------------------------------------------

    /** Reads over committed state. */
    public AudienceReader reader() {
        return state.reader;
    }

    public List<SegmentRecord> segments(String storeId) {
        return segments.segments(storeId);
    }

    public Optional<SegmentRecord> segment(String storeId, String segmentId) {
        return segments.segment(storeId, segmentId);
    }

    /** Progress of the segment's backfill; {@link BackfillJob.Progress#DONE} when none is running. */
    public BackfillJob.Progress progress(String storeId, String segmentId) {
        return segments.progress(storeId, segmentId);
    }

    /** Log position up to which events are committed. */
    public long position() {
        return writer.position();
    }

    public Clock clock() {
        return state.clock;
    }

    // ---- metrics and maintenance ------------------------------------------------------------

    /** True while the writer has been behind long enough to run at the background priority. */
    public boolean behind() {
        return writer.inBackground();
    }

    /**
     * Exports {@code rebound.audience.event.to.membership}: wall time from the collector accepting an
     * event to the commit of the membership state it produced — the freshness an operator watches —
     * and {@code rebound.audience.writer.behind}: 1 while the writer has been behind long enough to
     * run at the background priority ({@link io.rebound.server.runtime.ConsumerThreads}).
     */
    public void recordLatencyIn(MeterRegistry metrics) {
        latency.registerIn(metrics);
        metrics.gauge("rebound.audience.writer.behind", writer, w -> w.inBackground() ? 1 : 0);
    }

    /** Runs the writer's periodic maintenance (samples, sweeps, the self-check when due) now, and waits. */
    void maintainNow() {
        writer.call(() -> {
            state.tick();
            maintenance.step();
            state.commit();
            return null;
        });
    }

    /** What the background self-check found (see {@link SelfAudit}). */
    public AuditStats audits() {
        return maintenance.audits();
    }

    /** Audits {@code sample} persons (0: off) every {@code every}; the default is 100 a minute. */
    public void configureAudit(Duration every, int sample) {
        maintenance.configureAudit(every, sample);
    }

    /** Stops the writer after its current unit of work; pending commands fail. */
    @Override
    public void close() {
        writer.stop();
        state.uow.close();
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
        return writer.stopped();
    }
}
