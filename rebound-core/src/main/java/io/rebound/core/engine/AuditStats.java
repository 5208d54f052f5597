package io.rebound.core.engine;

import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the self-check ({@link AudienceProcessor#audit}) found on this node since it started: persons
 * checked, memberships found wrong (each repaired when found), and the last of them. Both runtimes
 * audit a random sample of persons in the background and record here; operators read it on
 * {@code /health} and {@code /metrics}. A correct engine finds none: a mismatch is a bug, repaired.
 * Thread-safe.
 */
public final class AuditStats {

    private final LongAdder checked = new LongAdder();
    private final LongAdder mismatches = new LongAdder();
    private volatile MembershipChange last;

    /** Records one person's audit. */
    public void record(AudienceProcessor.Audit audit) {
        checked.increment();
        if (!audit.mismatches().isEmpty()) {
            mismatches.add(audit.mismatches().size());
            last = audit.mismatches().getLast();
        }
    }

    /** Persons audited. */
    public long checked() {
        return checked.sum();
    }

    /** Memberships the audits found wrong (and repaired). */
    public long mismatches() {
        return mismatches.sum();
    }

    /** The repair of the last mismatch found. */
    public Optional<MembershipChange> lastMismatch() {
        return Optional.ofNullable(last);
    }
}
