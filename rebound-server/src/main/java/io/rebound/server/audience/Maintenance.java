package io.rebound.server.audience;

import io.rebound.core.engine.AuditStats;

import java.time.Duration;
import java.time.Instant;

/**
 * The writer thread's periodic work between live events: hourly segment size samples and retention
 * refresh, the hourly {@link RetentionSweep} (run a step at a time), and the {@link SelfAudit} while
 * no backfill runs.
 */
final class Maintenance {
    private static final Duration SAMPLE_EVERY = Duration.ofHours(1);
    private static final Duration SWEEP_EVERY = Duration.ofHours(1);

    private final WriterState state;
    private final SegmentJobs segments;
    private final RetentionSweep sweep;
    private final SelfAudit audit;
    private Instant lastSample;
    private Instant lastSweep;

    Maintenance(WriterState state, SegmentJobs segments) {
        this.state = state;
        this.segments = segments;
        this.sweep = new RetentionSweep(state);
        this.audit = new SelfAudit(state);
    }

    /** Starts the intervals: sizes are sampled at the first step, the first sweep runs an interval from now. */
    void start() {
        lastSample = state.clock.instant().minus(SAMPLE_EVERY);
        lastSweep = state.clock.instant();
    }

    void step() {
        Instant now = state.clock.instant();
        if (!now.isBefore(lastSample.plus(SAMPLE_EVERY))) {
            lastSample = now;
            state.registry.forEach((store, ids) -> ids.keySet().forEach(id -> state.sample(store, id, now)));
            state.refreshRetentions();
            state.commit();
        }
        if (!now.isBefore(lastSweep.plus(SWEEP_EVERY))) {
            lastSweep = now;
            sweep.start();
        }
        if (sweep.running()) {
            sweep.step(state.engine().now());
            state.commit();
        }
        if (segments.idle() && audit.step(state.engine().now())) {
            state.commit();
        }
    }

    /** True while a retention sweep is under way: it goes one step a pass of the writer. */
    boolean stepping() {
        return sweep.running();
    }

    /** What the background self-check found (see {@link SelfAudit}). */
    AuditStats audits() {
        return audit.stats();
    }

    /** Audits {@code sample} persons (0: off) every {@code every}. */
    void configureAudit(Duration every, int sample) {
        audit.configure(every, sample);
    }
}
