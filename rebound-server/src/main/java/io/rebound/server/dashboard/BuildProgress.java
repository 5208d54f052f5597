package io.rebound.server.dashboard;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;

/**
 * A segment's backfill progress as the dashboard shows it. The audience runtime reports progress
 * as its package-private {@code BackfillJob.Progress} record, which code outside that package
 * cannot name; its components are read here by name instead, and an unreadable value falls back
 * to an indeterminate bar rather than failing the page.
 *
 * @param percent      0–100, or null when unknown
 * @param personsDone  persons processed so far
 * @param personsTotal persons of the store when the pass started
 * @param etaSeconds   estimated seconds left, or null
 */
record BuildProgress(Double percent, long personsDone, long personsTotal, Long etaSeconds) {
    static final BuildProgress UNKNOWN = new BuildProgress(null, 0, 0, null);

    static BuildProgress of(Object progress) {
        if (progress == null || !progress.getClass().isRecord()) {
            return UNKNOWN;
        }
        try {
            Double percent = null;
            long done = 0;
            long total = 0;
            Long eta = null;
            for (RecordComponent c : progress.getClass().getRecordComponents()) {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                Object v = accessor.invoke(progress);
                switch (c.getName()) {
                    case "percent" -> percent = v instanceof Number n ? n.doubleValue() : null;
                    case "personsDone" -> done = v instanceof Number n ? n.longValue() : 0;
                    case "personsTotal" -> total = v instanceof Number n ? n.longValue() : 0;
                    case "etaSeconds" -> eta = v instanceof Number n ? n.longValue() : null;
                    default -> { }
                }
            }
            return new BuildProgress(percent, done, total, eta);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return UNKNOWN;
        }
    }
}
