package io.rebound.destinations;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened to a list of members or events handed to a destination, row by row. Rows are
 * indexes into the input list. Requests go out in order and the destination stops at the first
 * one that must be retried or given up, so {@link #notAttempted()} rows were never sent (or, for a
 * person with several list rows, not all of them were). {@link #appliedRows()} is what a caller may
 * count as done.
 *
 * @param deliveries   each request sent (or recorded) with the rows it carried and its outcome
 * @param skipped      rows not sent, with the reason (no identifier the platform takes, consent, age)
 * @param notAttempted rows left unsent after a request that must be retried or was given up
 */
public record SyncReport(List<Delivery> deliveries, List<Skip> skipped, List<Integer> notAttempted) {

    public SyncReport {
        deliveries = List.copyOf(deliveries);
        skipped = List.copyOf(skipped);
        notAttempted = List.copyOf(notAttempted);
    }

    /**
     * One request and its outcome.
     *
     * @param rows    the input rows it carried
     * @param outcome how the platform answered
     */
    public record Delivery(List<Integer> rows, Outcome outcome) {
        public Delivery {
            rows = List.copyOf(rows);
        }
    }

    /**
     * A row that was not sent.
     *
     * @param row    index into the input list
     * @param reason why
     */
    public record Skip(int row, String reason) {
    }

    /** Whether every request went through (accepted, partially accepted, or recorded in dry-run). */
    public boolean complete() {
        return notAttempted.isEmpty() && deliveries.stream().allMatch(d -> d.outcome().applied());
    }

    /** The outcome that stopped the run, if any: the last delivery when it was not applied. */
    public Outcome stoppedBy() {
        if (deliveries.isEmpty()) {
            return null;
        }
        Outcome last = deliveries.get(deliveries.size() - 1).outcome();
        return last.applied() ? null : last;
    }

    /**
     * Rows the platform took (accepted, or recorded in dry-run): every row of the applied requests,
     * minus those refused in a partial answer, and minus any row that also had a part in a request
     * that was not applied or not attempted (a person with several list rows can straddle two
     * requests; such a person is done only when all of them went through).
     */
    public List<Integer> appliedRows() {
        java.util.Set<Integer> notDone = new java.util.HashSet<>(notAttempted);
        for (Delivery d : deliveries) {
            if (d.outcome() instanceof Outcome.Partial p) {
                p.failed().forEach(f -> notDone.add(f.row()));
            } else if (!d.outcome().applied()) {
                notDone.addAll(d.rows());
            }
        }
        java.util.Set<Integer> out = new java.util.LinkedHashSet<>();
        for (Delivery d : deliveries) {
            if (d.outcome().applied()) {
                d.rows().stream().filter(r -> !notDone.contains(r)).forEach(out::add);
            }
        }
        return new ArrayList<>(out);
    }
}
