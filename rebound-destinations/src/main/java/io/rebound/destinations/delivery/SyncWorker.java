package io.rebound.destinations.delivery;

import io.rebound.core.activation.Contact;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Member;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.SyncReport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Customer-list sync for one destination: for each of its pairings, reads the segment's changes after
 * the committed cursor, keeps each person's last change in the batch (JOINED → add, LEFT → remove),
 * looks the persons up as {@link Member}s (those with no identifier a list can take are counted, not
 * sent) — a removal sends the identifiers that were uploaded for the person, which the store keeps,
 * so an erased or merged-away person still leaves the list — adds and removes through the
 * destination, and then:
 * <ul>
 *   <li>accepted, recorded (dry-run) or partial: commits the cursor past the batch, with the refused
 *       rows of a partial answer as dead letters — on another thread while the next batch is prepared and
 *       sent; commits run one at a time and in order, a read of what was uploaded waits for the one in
 *       flight, and a pass returns (or throws its failure) only once it is done;</li>
 *   <li>retry: commits nothing and stops the pass; the caller waits {@link Pass#retryAfter()} (backoff
 *       with jitter, at least the platform's hint) — the whole batch is sent again, which is harmless;</li>
 *   <li>give up: the members not applied go to the dead letters with the platform's message, and the
 *       cursor moves past the batch, so a permanent error is never retried forever.</li>
 * </ul>
 * A person the {@link Withholding} withholds (a campaign's holdout) is never added and gets no
 * membership event; if an earlier batch uploaded them (before the holdout grew), they are removed
 * with what was uploaded.
 * <p>
 * Consent needs no filter here: the audience engine keeps a person whose consent denies advertising
 * out of every segment (they leave at the denial), so the change feed only ever adds persons who may be
 * in audiences; the destination applies the store's consent policy per row on top.
 *
 * <p>Not thread-safe: one worker per destination, driven by one thread ({@link DeliveryEngine}).
 */
public final class SyncWorker implements Worker {

    /** Changes read per batch by default (the destination splits a batch into the platform's requests). */
    public static final int DEFAULT_BATCH = 5_000;
    private final String destinationId;
    private final Destination destination;
    private final ChangeFeed feed;
    private final MemberSource members;
    private final DeliveryRepository repository;
    private final Clock clock;
    private final int batchSize;
    private final Stats stats = new Stats();
    private final Retries retries;
    /** The commit of the last batch the platform took, run beside the next batch. */
    private final BackgroundCommits commits;
    /** Membership events for joins, or null when the destination takes none. */
    private MembershipEvents membershipEvents;
    /** Full reconciliation of each pairing when due, or null when this worker does none. */
    private Reconciler reconciler;
    /** Persons this destination must not receive (a campaign's holdout). */
    private Withholding withholding = Withholding.NONE;

    public SyncWorker(String destinationId, Destination destination, ChangeFeed feed, MemberSource members,
                      DeliveryRepository repository, Backoff backoff, Clock clock, int batchSize) {
        this.destinationId = Objects.requireNonNull(destinationId, "destinationId");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.feed = Objects.requireNonNull(feed, "feed");
        this.members = Objects.requireNonNull(members, "members");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.retries = new Retries(backoff, stats);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.batchSize = batchSize;
        this.commits = new BackgroundCommits("rebound-sync-commit-" + destinationId);
    }

    /**
     * Also sends a membership event for each join of a batch (uploadable or not), after the list changes
     * and before the cursor moves: a join is committed once the platform took both.
     */
    public SyncWorker withMembershipEvents(MembershipEvents events) {
        this.membershipEvents = Objects.requireNonNull(events, "events");
        return this;
    }

    /**
     * Also reconciles each pairing in full when its {@link Reconciler#due due}, once the pairing caught up
     * with its change log: on this worker's thread, so it never races the worker's own changes.
     */
    public SyncWorker withReconciler(Reconciler reconciler) {
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
        return this;
    }

    /**
     * Withholds the persons {@code withholding} names from this destination: never added, no membership
     * event, removed if uploaded before. Give the reconciler the same one.
     */
    public SyncWorker withWithholding(Withholding withholding) {
        this.withholding = Objects.requireNonNull(withholding, "withholding");
        return this;
    }

    @Override
    public String kind() {
        return "sync";
    }

    @Override
    public String destinationId() {
        return destinationId;
    }

    public Destination destination() {
        return destination;
    }

    public Stats stats() {
        return stats;
    }


    /**
     * Syncs every pairing of the destination until its feed is exhausted, or stops at the first batch
     * the platform asks to retry. An exception (the store or the feed failing) propagates with nothing
     * committed for the batch at hand.
     */
    @Override
    public Pass syncOnce() {
        Pass pass;
        try {
            pass = passes();
        } catch (RuntimeException | Error e) {
            try {
                commits.settle();
            } catch (RuntimeException | Error also) {
                e.addSuppressed(also);
            }
            throw e;
        }
        commits.settle();
        return pass;
    }

    private Pass passes() {
        int batches = 0;
        for (Pairing p : repository.pairings(destinationId)) {
            Pairing current = p;
            while (true) {
                Step step = step(current);
                if (step.retryAfter != null) {
                    return new Pass(batches, step.retryAfter);
                }
                if (step.next == null) {
                    break;
                }
                batches++;
                current = step.next;
            }
            commits.settle();
            if (reconciler != null && reconciler.due(current)) {
                Reconciler.Result r = reconciler.reconcile(current);
                if (r.retry() != null) {
                    return new Pass(batches, retryWait(r.retry()));
                }
                retries.reset();
                stats.lastReconciliation = r.done();
            }
        }
        return new Pass(batches, null);
    }

    private record Step(Pairing next, Duration retryAfter) {
    }

    private Step step(Pairing pairing) {
        List<LoggedChange> changes = feed.changes(pairing.storeId(), pairing.segmentId(), pairing.cursor(), batchSize);
        if (changes.isEmpty()) {
            return new Step(null, null);
        }
        long from = changes.getFirst().sequence();
        long to = changes.getLast().sequence();

        // Each person's last word in the batch.
        Map<String, MembershipChange.Kind> last = new LinkedHashMap<>();
        Map<String, LoggedChange> lastChange = new HashMap<>();
        for (LoggedChange c : changes) {
            last.remove(c.change().personId());
            last.put(c.change().personId(), c.change().kind());
            lastChange.put(c.change().personId(), c);
        }
        List<Member> adds = new ArrayList<>();
        List<Member> removes = new ArrayList<>();
        int notUploadable = 0;
        Withholding.Rule rule = withholding.rule(pairing.storeId(), pairing.segmentId());
        Set<String> held = new HashSet<>();
        last.keySet().stream().filter(rule::withholds).forEach(held::add);
        // A removal sends what was uploaded: the person's ids may be gone by now (erased, merged away).
        List<String> leaving = last.entrySet().stream().filter(e -> e.getValue() == MembershipChange.Kind.LEFT)
                .map(Map.Entry::getKey).toList();
        // Withheld joiners are looked up too: an earlier batch may have uploaded them, before the holdout grew.
        List<String> lookUp = last.entrySet().stream().filter(e -> e.getValue() == MembershipChange.Kind.LEFT
                || held.contains(e.getKey())).map(Map.Entry::getKey).toList();
        if (!lookUp.isEmpty()) {
            commits.settle(); // what the previous batch uploaded is read back
        }
        Map<String, Contact> uploaded = lookUp.isEmpty() ? Map.of() : repository.uploaded(pairing, lookUp);
        Set<String> forgotten = new HashSet<>(leaving);
        for (Map.Entry<String, MembershipChange.Kind> e : last.entrySet()) {
            if (held.contains(e.getKey())) {
                Contact was = uploaded.get(e.getKey());
                if (was != null) {
                    removes.add(new Member(e.getKey(), was, AdConsent.UNSTATED));
                    forgotten.add(e.getKey());
                }
                continue;
            }
            Member m = members.member(pairing.storeId(), e.getKey());
            boolean joined = e.getValue() == MembershipChange.Kind.JOINED;
            Contact sent = joined ? null : uploaded.get(e.getKey());
            if (sent != null) {
                m = new Member(e.getKey(), sent, m == null ? null : m.consent());
            }
            if (m == null || !uploadable(m.contact())) {
                notUploadable++;
                continue;
            }
            (joined ? adds : removes).add(m);
        }

        List<DeadLetter> letters = new ArrayList<>();
        Instant now = clock.instant();
        if (!adds.isEmpty()) {
            SyncReport r = destination.addMembers(pairing.audience(), adds);
            Duration wait = retryWait(r);
            if (wait != null) {
                return new Step(null, wait);
            }
            letters.addAll(deadLetters(pairing, "add", ids(adds), r, from, to, now));
            stats.added.addAndGet(r.appliedRows().size());
            stats.rate.record(now, r.appliedRows().size());
            stats.skipped.addAndGet(r.skipped().size());
        }
        if (!removes.isEmpty()) {
            SyncReport r = destination.removeMembers(pairing.audience(), removes);
            Duration wait = retryWait(r);
            if (wait != null) {
                return new Step(null, wait);
            }
            letters.addAll(deadLetters(pairing, "remove", ids(removes), r, from, to, now));
            stats.removed.addAndGet(r.appliedRows().size());
            stats.rate.record(now, r.appliedRows().size());
            stats.skipped.addAndGet(r.skipped().size());
        }
        if (membershipEvents != null) {
            List<ServerEvent> joins = new ArrayList<>();
            for (Map.Entry<String, MembershipChange.Kind> e : last.entrySet()) {
                if (e.getValue() == MembershipChange.Kind.JOINED && !held.contains(e.getKey())) {
                    LoggedChange c = lastChange.get(e.getKey());
                    ServerEvent ev = membershipEvents.joined(pairing.storeId(), pairing.segmentId(), e.getKey(),
                            c.change().at(), c.sequence());
                    if (ev != null) {
                        joins.add(ev);
                    }
                }
            }
            if (!joins.isEmpty()) {
                SyncReport r = destination.sendEvents(joins, now);
                Duration wait = retryWait(r);
                if (wait != null) {
                    return new Step(null, wait);
                }
                List<String> ids = joins.stream().map(ServerEvent::eventId).toList();
                letters.addAll(deadLetters(pairing, "event", ids, r, from, to, now));
                stats.membershipEvents.addAndGet(r.appliedRows().size());
            }
        }
        Set<String> refused = new HashSet<>();
        letters.stream().filter(d -> d.operation().equals("add")).forEach(d -> refused.addAll(d.personIds()));
        Map<String, Contact> added = new LinkedHashMap<>();
        adds.stream().filter(m -> !refused.contains(m.personId())).forEach(m -> added.put(m.personId(), m.contact()));
        retries.reset();
        int withheldCount = held.size();
        int notUploadableCount = notUploadable;
        // The platform took the batch: its commit runs while the next batch is read, looked up, hashed and
        // sent (the commit's row writes cost more than all of that). Commits stay in order, one at a time.
        commits.submit(() -> {
            repository.commit(pairing, to, letters, added, forgotten);
            stats.notUploadable.addAndGet(notUploadableCount);
            stats.withheld.addAndGet(withheldCount);
            stats.deadLettered.addAndGet(letters.stream().mapToLong(d -> d.personIds().size()).sum());
            stats.lastSuccess = now;
            if (!letters.isEmpty()) {
                stats.error(letters.getLast().message(), now);
            }
        });
        return new Step(pairing.withCursor(to), null);
    }

    private static List<String> ids(List<Member> members) {
        return members.stream().map(Member::personId).toList();
    }

    /** Whether a list can take anything of the contact (the destination checks the platform's own rules). */
    public static boolean uploadable(Contact c) {
        return !c.emails().isEmpty() || !c.phones().isEmpty() || !c.externalIds().isEmpty();
    }

    private Duration retryWait(SyncReport r) {
        return r.stoppedBy() instanceof Outcome.Retry retry ? retryWait(retry) : null;
    }

    private Duration retryWait(Outcome.Retry retry) {
        return retries.next(retry, clock.instant());
    }

    /**
     * Refused rows of partial answers, and everything a given-up run left undone, named by {@code sent}:
     * person ids (list changes) or event ids (membership events), in the order they were sent.
     */
    private List<DeadLetter> deadLetters(Pairing p, String op, List<String> sent, SyncReport r, long from, long to,
                                         Instant now) {
        List<DeadLetter> out = new ArrayList<>();
        for (SyncReport.Delivery d : r.deliveries()) {
            if (d.outcome() instanceof Outcome.Partial partial && !partial.failed().isEmpty()) {
                String message = partial.failed().stream().map(Outcome.RowFailure::message).distinct()
                        .collect(Collectors.joining("; "));
                out.add(new DeadLetter(p.storeId(), destinationId, p.segmentId(), op, DeadLetter.REFUSED, "",
                        message, partial.failed().stream().map(f -> sent.get(f.row())).distinct().toList(),
                        from, to, now));
            }
        }
        if (r.stoppedBy() instanceof Outcome.GiveUp g) {
            Set<Integer> done = new HashSet<>(r.appliedRows());
            r.skipped().forEach(s -> done.add(s.row()));
            for (SyncReport.Delivery d : r.deliveries()) {
                if (d.outcome() instanceof Outcome.Partial partial) {
                    partial.failed().forEach(f -> done.add(f.row())); // already dead-lettered as refused
                }
            }
            List<String> undone = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                if (!done.contains(i)) {
                    undone.add(sent.get(i));
                }
            }
            out.add(new DeadLetter(p.storeId(), destinationId, p.segmentId(), op, DeadLetter.GAVE_UP, g.code(),
                    g.message(), undone, from, to, now));
        }
        return out;
    }

    /** Counters for the status page; safe to read from any thread. */
    public static final class Stats extends WorkerStats {
        final AtomicLong added = new AtomicLong();
        final AtomicLong removed = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong notUploadable = new AtomicLong();
        final AtomicLong withheld = new AtomicLong();
        final AtomicLong membershipEvents = new AtomicLong();
        volatile Reconciliation lastReconciliation;

        /** Members the platform took on additions (dry-run: recorded). */
        public long added() {
            return added.get();
        }

        public long removed() {
            return removed.get();
        }

        /** Rows the destination did not send (no identifier the platform takes, consent). */
        public long skipped() {
            return skipped.get();
        }

        /** Persons with no email, phone or external id: counted, never sent (server events reach them). */
        public long notUploadable() {
            return notUploadable.get();
        }

        /** Membership changes of withheld persons (a campaign's holdout): never added, never sent an event. */
        public long withheld() {
            return withheld.get();
        }

        /** Membership events the platform took (dry-run: recorded). */
        public long membershipEvents() {
            return membershipEvents.get();
        }

        /** The last full reconciliation this worker ran, or null (the store keeps each pairing's). */
        public Reconciliation lastReconciliation() {
            return lastReconciliation;
        }
    }
}
