package io.rebound.server.audience;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.SegmentBackfill;
import io.rebound.core.segment.SegmentDefinition;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded runtime's segments: creating, replacing and deleting them (in the metadata database
 * and in the engine), restoring them at start, and the {@link BackfillJob} passes those start, run a
 * chunk at a time on the writer thread between live events. Reads ({@link #segments}, {@link #progress},
 * {@link #backfillDone}) may come from any thread; everything else runs on the writer thread.
 */
final class SegmentJobs {
    static final int BACKFILL_CHUNK = 500;
    /** Below this many persons a chunk's steps run on the writer thread alone: forking would cost more. */
    private static final int PARALLEL_FROM = 64;

    private final WriterState state;
    private final SegmentRepository repository;
    private final Map<String, BackfillJob> jobs = new ConcurrentHashMap<>();

    SegmentJobs(WriterState state, SegmentRepository repository) {
        this.state = state;
        this.repository = repository;
    }

    /** Re-installs every segment from the database, resumes unfinished backfills and deletions. */
    void restore() {
        for (SegmentRecord s : repository.all()) {
            state.ensureRetention(s.storeId());
            state.registry.computeIfAbsent(s.storeId(), k -> new ConcurrentHashMap<>()).put(s.id(), s);
            state.engine().restoreSegment(s.segment());
            if (s.status() == SegmentRecord.Status.BUILDING) {
                startJob(s.storeId(), s.id(), BackfillJob.Kind.BUILD);
            }
        }
        state.uow.scan(AudienceColumns.META, AudienceKeys.deletingPrefix(), AudienceKeys.deletingPrefix(), (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            String store = r.str();
            String segment = r.str();
            startJob(store, segment, BackfillJob.Kind.DELETE);
            return true;
        });
    }

    // ---- commands (writer thread) -----------------------------------------------------------

    /** Creates or replaces a segment effective now and starts its backfill; the record is {@code building}. */
    SegmentRecord put(String storeId, String segmentId, SegmentDefinition definition, String template) {
        state.tick();
        Instant now = state.engine().now();
        SegmentRecord old = state.registry.getOrDefault(storeId, Map.of()).get(segmentId);
        SegmentRecord s = new SegmentRecord(storeId, segmentId, definition, template, SegmentRecord.Status.BUILDING,
                old == null ? state.clock.instant() : old.createdAt(), state.clock.instant(), now);
        repository.save(s);
        state.ensureRetention(storeId);
        state.registry.computeIfAbsent(storeId, k -> new ConcurrentHashMap<>()).put(segmentId, s);
        state.engine().restoreSegment(s.segment());
        // A deletion still running for this id would drop the new version's members: finish it first.
        state.uow.delete(AudienceColumns.META, AudienceKeys.deleting(storeId, segmentId));
        startJob(storeId, segmentId, BackfillJob.Kind.BUILD);
        state.commit();
        return s;
    }

    /** Deletes a segment now and starts the pass that makes its members leave; false when there is none. */
    boolean delete(String storeId, String segmentId) {
        Map<String, SegmentRecord> store = state.registry.get(storeId);
        if (store == null || store.remove(segmentId) == null) {
            return false;
        }
        state.tick();
        repository.delete(storeId, segmentId);
        state.rebuildEngine();
        state.uow.put(AudienceColumns.META, AudienceKeys.deleting(storeId, segmentId), new byte[0]);
        startJob(storeId, segmentId, BackfillJob.Kind.DELETE);
        state.commit();
        return true;
    }

    // ---- queries (any thread) ---------------------------------------------------------------

    /** Completes when the segment's current backfill or deletion pass has finished (at once if none runs). */
    CompletableFuture<Void> backfillDone(String storeId, String segmentId) {
        BackfillJob job = jobs.get(jobKey(storeId, segmentId));
        return job == null ? CompletableFuture.completedFuture(null) : job.finished;
    }

    /** Progress of the segment's backfill; {@link BackfillJob.Progress#DONE} when none is running. */
    BackfillJob.Progress progress(String storeId, String segmentId) {
        BackfillJob job = jobs.get(jobKey(storeId, segmentId));
        return job == null || job.kind != BackfillJob.Kind.BUILD ? BackfillJob.Progress.DONE : job.progress();
    }

    List<SegmentRecord> segments(String storeId) {
        List<SegmentRecord> out = new ArrayList<>(state.registry.getOrDefault(storeId, Map.of()).values());
        out.sort(java.util.Comparator.comparing(SegmentRecord::createdAt).thenComparing(SegmentRecord::id));
        return out;
    }

    Optional<SegmentRecord> segment(String storeId, String segmentId) {
        return Optional.ofNullable(state.registry.getOrDefault(storeId, Map.of()).get(segmentId));
    }

    /** True when no backfill or deletion pass is running. */
    boolean idle() {
        return jobs.isEmpty();
    }

    // ---- backfill ---------------------------------------------------------------------------

    private void startJob(String storeId, String segmentId, BackfillJob.Kind kind) {
        long[] count = new long[1];
        byte[] prefix = AudienceKeys.store(storeId);
        state.uow.scan(AudienceColumns.PERSONS, prefix, prefix, (k, v) -> {
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
    boolean backfillStep() {
        if (jobs.isEmpty()) {
            return false;
        }
        state.tick();
        for (BackfillJob job : List.copyOf(jobs.values())) {
            byte[] prefix = AudienceKeys.store(job.storeId);
            List<byte[]> chunk = new ArrayList<>(BACKFILL_CHUNK);
            byte[][] last = new byte[1][];
            state.uow.scan(AudienceColumns.PERSONS, prefix, job.cursor == null ? prefix : job.cursor, (k, v) -> {
                if (job.cursor != null && java.util.Arrays.equals(k, job.cursor)) {
                    return true;
                }
                last[0] = k;
                chunk.add(v);
                return chunk.size() < BACKFILL_CHUNK;
            });
            SegmentBackfill backfill = new SegmentBackfill(state.processor(job.storeId), job.segmentId);
            Instant now = state.engine().now();
            List<SegmentBackfill.Stored> results = (chunk.size() >= PARALLEL_FROM ? chunk.parallelStream() : chunk.stream())
                    .map(s -> backfill.step(s, now)).toList();
            for (SegmentBackfill.Stored stored : results) {
                if (stored != null) {
                    AudienceProcessor.Result r = stored.result();
                    state.persons.put(r.state(), stored.encoded());
                    state.memberships.record(r.changes());
                    state.timers.set(r.state().storeId(), r.state().personId(), r.nextTimer());
                }
            }
            job.cursor = last[0] == null ? job.cursor : last[0];
            job.advanced(chunk.size());
            if (chunk.size() < BACKFILL_CHUNK) {
                finish(job);
            } else {
                state.commit();
            }
        }
        return true;
    }

    private void finish(BackfillJob job) {
        if (job.kind == BackfillJob.Kind.DELETE) {
            state.memberships.dropSegment(job.storeId, job.segmentId);
            state.uow.delete(AudienceColumns.META, AudienceKeys.deleting(job.storeId, job.segmentId));
            state.commit();
        } else {
            state.commit();
            SegmentRecord s = state.registry.getOrDefault(job.storeId, Map.of()).get(job.segmentId);
            if (s != null) {
                Instant at = state.clock.instant();
                repository.setStatus(job.storeId, job.segmentId, SegmentRecord.Status.READY, at);
                state.registry.get(job.storeId).put(job.segmentId, s.withStatus(SegmentRecord.Status.READY, at));
                state.sample(job.storeId, job.segmentId, at);
                state.commit();
            }
        }
        jobs.remove(jobKey(job.storeId, job.segmentId), job);
        job.finished.complete(null);
    }

    private static String jobKey(String storeId, String segmentId) {
        return storeId + '\u0000' + segmentId;
    }
}
