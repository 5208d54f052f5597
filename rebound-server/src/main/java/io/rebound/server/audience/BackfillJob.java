package io.rebound.server.audience;

import java.util.concurrent.CompletableFuture;

/**
 * One pass of the writer thread over every person of a store, a chunk at a time between live
 * events: after a segment was created or edited (a backfill) or deleted (members leave, then its
 * index is dropped). Each person's step is {@link io.rebound.core.engine.AudienceProcessor#backfill},
 * which is idempotent, so a pass interrupted by a restart simply starts over.
 */
public final class BackfillJob {

    /** What a pass is for. */
    enum Kind { BUILD, DELETE }

    /**
     * Progress as the API shows it.
     *
     * @param personsDone  persons processed
     * @param personsTotal persons of the store when the pass started
     * @param percent      0–100
     * @param etaSeconds   estimated seconds left, or null before the first chunk
     */
    public record Progress(long personsDone, long personsTotal, double percent, Long etaSeconds) {
        static final Progress DONE = new Progress(0, 0, 100.0, 0L);
    }

    final String storeId;
    final String segmentId;
    final Kind kind;
    final long total;
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final long startedNanos = System.nanoTime();
    private volatile long done;
    /** The last person key processed; the next chunk starts after it. */
    byte[] cursor;

    BackfillJob(String storeId, String segmentId, Kind kind, long total) {
        this.storeId = storeId;
        this.segmentId = segmentId;
        this.kind = kind;
        this.total = total;
    }

    void advanced(long persons) {
        done += persons;
    }

    Progress progress() {
        long d = done;
        long t = Math.max(total, d);
        double percent = t == 0 ? 100.0 : Math.min(100.0, Math.round(d * 1000.0 / t) / 10.0);
        Long eta = null;
        if (d > 0) {
            double elapsed = (System.nanoTime() - startedNanos) / 1e9;
            eta = Math.round(elapsed * (t - d) / d);
        }
        return new Progress(d, t, percent, eta);
    }
}
