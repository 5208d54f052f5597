package io.rebound.server.dashboard;

import io.rebound.server.audience.BackfillJob;

/**
 * A segment's backfill progress as the dashboard shows it; {@link #UNKNOWN} draws an
 * indeterminate bar (no job yet, e.g. the instant after creation).
 *
 * @param percent      0–100, or null when unknown
 * @param personsDone  persons processed so far
 * @param personsTotal persons of the store when the pass started
 * @param etaSeconds   estimated seconds left, or null
 */
record BuildProgress(Double percent, long personsDone, long personsTotal, Long etaSeconds) {
    static final BuildProgress UNKNOWN = new BuildProgress(null, 0, 0, null);

    static BuildProgress of(BackfillJob.Progress progress) {
        if (progress == null) {
            return UNKNOWN;
        }
        return new BuildProgress(progress.percent(), progress.personsDone(), progress.personsTotal(),
                progress.etaSeconds());
    }
}
