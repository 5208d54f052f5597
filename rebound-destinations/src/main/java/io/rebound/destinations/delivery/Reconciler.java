package io.rebound.destinations.delivery;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Member;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.SyncReport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Periodic full reconciliation of one destination's customer lists, so that drift the change log cannot
 * see — an addition the platform lost, a removal it accepted and never applied, a list edited by hand —
 * is repaired. Per pairing, once every {@code interval}:
 * <ul>
 *   <li>reads the segment's current members page by page and keeps those with an identifier a list
 *       can take;</li>
 *   <li>where the platform has a replace endpoint ({@link Destination#supportsReplace()}), makes the list
 *       hold exactly them in one replace session (a list the platform cannot replace that way —
 *       {@link Destination#REPLACE_UNAVAILABLE} — falls back to the diff);</li>
 *   <li>elsewhere, by a diff with what Rebound uploaded: re-sends the additions of every current member
 *       (idempotent, so additions the platform lost come back) and removes those uploaded who are no
 *       longer members. A diff cannot repair a removal the platform accepted and never applied: by
 *       Rebound's record that person is gone already, and nothing says otherwise;</li>
 *   <li>commits when it ran and what it changed, with the uploaded record brought in line.</li>
 * </ul>
 * It runs on its {@link SyncWorker}'s thread, after the worker caught up with the change log, so it never
 * races the worker's additions and removals; changes logged while it reads are after the committed cursor
 * and the worker applies them next (idempotently). A replace stopped half-way (retry, a crash) commits
 * nothing: the platform keeps the list as it was, and the next run starts a new session.
 *
 * <p>Members the {@link Withholding} withholds (a campaign's holdout) are not current members here: a
 * run removes those uploaded earlier. A pairing whose withholding rule changed (its
 * {@link Withholding.Rule#version() version}, as this reconciler last ran it) is due at once, so a
 * grown holdout leaves the platform's list and a shrunk one joins it without waiting an interval.
 * The first version seen after a start is taken as the one the list holds, unless the rule says it
 * changed ({@link Withholding.Rule#changedAt()}) after the pairing's last reconciliation: then the
 * pairing is due at once too, so a change made while no worker ran is applied when one starts.
 *
 * <p>The current members are held in memory for the run (the replace is one session).
 */
public final class Reconciler {

    /** The default interval between two reconciliations of a pairing. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(24);
    /** Members and uploaded records read per page. */
    public static final int PAGE = 1_000;

    private final Destination destination;
    private final SegmentMembers segments;
    private final MemberSource members;
    private final ReconcileRepository repository;
    private final Duration interval;
    private final Clock clock;
    /** When each pairing ({@code store/segment}) is next due, as last read; only this worker's thread uses it. */
    private final Map<String, Instant> dueAt = new java.util.HashMap<>();
    /** The withholding rule's version each pairing was last reconciled with (or first seen with). */
    private final Map<String, String> ruleVersions = new java.util.HashMap<>();
    private Withholding withholding = Withholding.NONE;

    public Reconciler(Destination destination, SegmentMembers segments, MemberSource members, ReconcileRepository repository,
                      Duration interval, Clock clock) {
        this.destination = Objects.requireNonNull(destination, "destination");
        this.segments = Objects.requireNonNull(segments, "segments");
        this.members = Objects.requireNonNull(members, "members");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the reconcile interval must be positive, got " + interval);
        }
        this.interval = interval;
    }

    /** Withholds the persons {@code withholding} names: they are removed from the list, never added. */
    public Reconciler withWithholding(Withholding withholding) {
        this.withholding = Objects.requireNonNull(withholding, "withholding");
        return this;
    }

    public Duration interval() {
        return interval;
    }

    /**
     * Whether the pairing's last reconciliation (or its pairing) is an interval old. The store is asked
     * only once the time it named last has come, not at every poll of the worker. A pairing whose
     * withholding rule changed since its last run here (or, first seen, since its last reconciliation)
     * is due at once.
     */
    public boolean due(Pairing pairing) {
        String key = pairing.storeId() + "/" + pairing.segmentId();
        Withholding.Rule rule = withholding.rule(pairing.storeId(), pairing.segmentId());
        String seen = ruleVersions.putIfAbsent(key, rule.version());
        if (seen != null && !seen.equals(rule.version())) {
            return true;
        }
        if (seen == null && rule.changedAt() != null && rule.changedAt().isAfter(repository.reconciledSince(pairing))) {
            return true;
        }
        Instant now = clock.instant();
        Instant known = dueAt.get(key);
        if (known != null && now.isBefore(known)) {
            return false;
        }
        Instant at = repository.reconciledSince(pairing).plus(interval);
        dueAt.put(key, at);
        return !now.isBefore(at);
    }

    /**
     * What a run came to.
     *
     * @param done  what it did, committed; null when the platform asked to wait
     * @param retry the platform's request to wait (nothing committed), or null
     */
    public record Result(Reconciliation done, Outcome.Retry retry) {
    }

    /** Reconciles the pairing now. An exception (store, source, a dying transport) propagates with nothing committed. */
    public Result reconcile(Pairing pairing) {
        Withholding.Rule rule = withholding.rule(pairing.storeId(), pairing.segmentId());
        Map<String, Member> current = currentMembers(pairing, rule);
        Map<String, Contact> uploaded = uploaded(pairing);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // as the store keeps it
        boolean replace = destination.supportsReplace() && !current.isEmpty();
        Result result = replace ? replace(pairing, current, uploaded, now) : diff(pairing, current, uploaded, now);
        if (result.retry() == null) {
            ruleVersions.put(pairing.storeId() + "/" + pairing.segmentId(), rule.version());
        }
        return result;
    }

    private Result replace(Pairing pairing, Map<String, Member> current, Map<String, Contact> uploaded, Instant now) {
        List<Member> all = List.copyOf(current.values());
        SyncReport r = destination.replaceMembers(pairing.audience(), all);
        if (r.stoppedBy() instanceof Outcome.Retry retry) {
            return new Result(null, retry);
        }
        if (r.stoppedBy() instanceof Outcome.GiveUp g) {
            return g.code().equals(Destination.REPLACE_UNAVAILABLE) ? diff(pairing, current, uploaded, now)
                    : gaveUp(pairing, Reconciliation.REPLACE, current.size(), g, now);
        }
        Map<String, Contact> held = new LinkedHashMap<>();
        for (int row : r.appliedRows()) {
            held.put(all.get(row).personId(), all.get(row).contact());
        }
        Set<String> forgotten = new HashSet<>(uploaded.keySet());
        forgotten.removeAll(held.keySet());
        long added = held.keySet().stream().filter(p -> !uploaded.containsKey(p)).count();
        Reconciliation done = new Reconciliation(now, Reconciliation.REPLACE, current.size(), added, forgotten.size(), null);
        return committed(pairing, done, held, forgotten);
    }

    private Result diff(Pairing pairing, Map<String, Member> current, Map<String, Contact> uploaded, Instant now) {
        List<Member> adds = List.copyOf(current.values());
        List<Member> removes = new ArrayList<>();
        uploaded.forEach((person, contact) -> {
            if (!current.containsKey(person)) {
                removes.add(new Member(person, contact, AdConsent.UNSTATED));
            }
        });
        Map<String, Contact> held = new LinkedHashMap<>();
        if (!adds.isEmpty()) {
            SyncReport r = destination.addMembers(pairing.audience(), adds);
            Result stopped = diffStopped(r, pairing, current.size(), now);
            if (stopped != null) {
                return stopped;
            }
            r.appliedRows().forEach(row -> held.put(adds.get(row).personId(), adds.get(row).contact()));
        }
        Set<String> forgotten = new HashSet<>();
        if (!removes.isEmpty()) {
            SyncReport r = destination.removeMembers(pairing.audience(), removes);
            Result stopped = diffStopped(r, pairing, current.size(), now);
            if (stopped != null) {
                return stopped;
            }
            r.appliedRows().forEach(row -> forgotten.add(removes.get(row).personId()));
        }
        long added = held.keySet().stream().filter(p -> !uploaded.containsKey(p)).count();
        Reconciliation done = new Reconciliation(now, Reconciliation.DIFF, current.size(), added, forgotten.size(), null);
        return committed(pairing, done, held, forgotten);
    }

    /** What ends a diff when the platform stopped {@code r} (retry later, or gave up); null when it went through. */
    private Result diffStopped(SyncReport r, Pairing pairing, long members, Instant now) {
        if (r.stoppedBy() instanceof Outcome.Retry retry) {
            return new Result(null, retry);
        }
        if (r.stoppedBy() instanceof Outcome.GiveUp g) {
            return gaveUp(pairing, Reconciliation.DIFF, members, g, now);
        }
        return null;
    }

    /** A permanent error: recorded (so it waits an interval, not a poll), with nothing changed in the uploaded record. */
    private Result gaveUp(Pairing pairing, String method, long members, Outcome.GiveUp g, Instant now) {
        Reconciliation done = new Reconciliation(now, method, members, 0, 0,
                (g.code().isEmpty() ? "" : g.code() + ": ") + g.message());
        return committed(pairing, done, Map.of(), Set.of());
    }

    private Result committed(Pairing pairing, Reconciliation done, Map<String, Contact> held, Set<String> forgotten) {
        repository.reconciled(pairing, done, held, forgotten);
        dueAt.put(pairing.storeId() + "/" + pairing.segmentId(), done.at().plus(interval));
        return new Result(done, null);
    }

    /** The segment's members with an identifier a list can take and not withheld, by person id, in person-id order. */
    private Map<String, Member> currentMembers(Pairing pairing, Withholding.Rule rule) {
        Map<String, Member> out = new LinkedHashMap<>();
        String after = null;
        while (true) {
            List<String> page = segments.after(pairing.storeId(), pairing.segmentId(), after, PAGE);
            for (String person : page) {
                if (rule.withholds(person)) {
                    continue;
                }
                Member m = members.member(pairing.storeId(), person);
                if (m != null && SyncWorker.uploadable(m.contact())) {
                    out.put(person, m);
                }
            }
            if (page.size() < PAGE) {
                return out;
            }
            after = page.getLast();
        }
    }

    private Map<String, Contact> uploaded(Pairing pairing) {
        Map<String, Contact> out = new LinkedHashMap<>();
        String after = null;
        while (true) {
            Map<String, Contact> page = repository.uploadedAfter(pairing, after, PAGE);
            out.putAll(page);
            if (page.size() < PAGE) {
                return out;
            }
            after = List.copyOf(page.keySet()).getLast();
        }
    }
}
