package io.rebound.core.engine;

/**
 * Progress of a segment backfill, for the API's percentage/ETA and the CLI's progress bar.
 * Called after each person; {@code total} is the number of persons when the backfill started.
 */
@FunctionalInterface
public interface BackfillListener {

    BackfillListener NONE = (done, total) -> { };

    void progress(long done, long total);
}
