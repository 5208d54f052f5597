package io.rebound.destinations.delivery;

import io.rebound.core.activation.ServerEvent;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.SyncReport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Server-side event forwarding for one destination: follows its store's accepted events from the
 * committed cursor ({@link EventSource}), sends each batch to the platform's conversions API with the
 * event id the browser pixel used (so the platform deduplicates the two), and then:
 * <ul>
 *   <li>accepted, recorded (dry-run) or partial: commits the cursor past the batch, with the refused
 *       events of a partial answer as dead letters;</li>
 *   <li>retry: commits nothing; the caller waits {@link Pass#retryAfter()} (backoff with jitter, at
 *       least the platform's hint) and the batch is sent again — the platform drops the copies of
 *       events it already took by their event id;</li>
 *   <li>give up: the events not applied go to the dead letters with the platform's message and the
 *       cursor moves on, so a permanent error is never retried forever.</li>
 * </ul>
 * Events past the platform's maximum age are skipped by the destination and counted by reason, never
 * retried. A caught-up worker whose source can wait ({@link EventSource#canAwait()}) is woken by the next
 * accepted event and lets more gather briefly before it reads; otherwise the engine polls it. Nothing is held in memory between rounds: the backlog is the durable log behind the cursor.
 * A destination connected now starts at the log's end ({@link EventSource#end}) as it was when the worker
 * was started ({@link #anchor()}): history is not sent, and nothing accepted after the connect is missed.
 *
 * <p>Not thread-safe: one worker per destination, driven by one thread ({@link DeliveryEngine}).
 */
public final class ForwardWorker implements Worker {
    /** Events read per batch by default (the destination splits a batch into the platform's requests). */
    public static final int DEFAULT_BATCH = 1_000;
    /**
     * How long a caught-up worker waits for the next accepted event within one pass (when its source can
     * wait) before the pass ends; the engine starts the next pass at once.
     */
    static final long IDLE_WAIT_MILLIS = 1_000;
    /**
     * How long a worker that was woken by a new event lets more gather before it reads: a trickle of events
     * goes out in a few requests a second, not one request per event. Under sustained load the worker never
     * catches up, reads full batches and never lingers.
     */
    static final long LINGER_MILLIS = 200;

    private final String destinationId;
    private final String storeId;
    private final Destination destination;
    private final EventSource source;
    private final ForwardRepository repository;
    private final Clock clock;
    private final int batchSize;
    private final Stats stats = new Stats();
    private final Retries retries;

    public ForwardWorker(String destinationId, String storeId, Destination destination, EventSource source,
                         ForwardRepository repository, Backoff backoff, Clock clock, int batchSize) {
        this.destinationId = Objects.requireNonNull(destinationId, "destinationId");
        this.storeId = Objects.requireNonNull(storeId, "storeId");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.source = Objects.requireNonNull(source, "source");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.retries = new Retries(backoff, stats);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        this.batchSize = batchSize;
    }

    @Override
    public String destinationId() {
        return destinationId;
    }

    @Override
    public String kind() {
        return "events";
    }

    public Stats stats() {
        return stats;
    }

    /**
     * Where forwarding goes on from: the committed cursor, or, for a destination never synced, the source's
     * end now, committed. The owner calls it when it starts the worker, before the first pass, so that every
     * event accepted after the destination was connected is sent, however late the engine's first pass runs.
     */
    public String anchor() {
        return repository.eventCursor(destinationId).orElseGet(() -> {
            String end = source.end(storeId);
            repository.commitEvents(storeId, destinationId, end, List.of());
            return end;
        });
    }

    @Override
    public Pass syncOnce() {
        String cursor = anchor();
        int batches = 0;
        while (true) {
            EventSource.Batch batch = source.read(storeId, cursor, batchSize);
            if (!batch.moved()) {
                if (batches == 0 && awaitNews(cursor)) {
                    continue;
                }
                return new Pass(batches, null);
            }
            List<DeadLetter> letters = new ArrayList<>();
            if (!batch.events().isEmpty()) {
                Instant now = clock.instant();
                SyncReport report = destination.sendEvents(batch.events(), now);
                if (report.stoppedBy() instanceof Outcome.Retry retry) {
                    return new Pass(batches, retries.next(retry, now));
                }
                retries.reset();
                account(report, batch, now, letters);
            }
            repository.commitEvents(storeId, destinationId, batch.next(), letters);
            cursor = batch.next();
            batches++;
        }
    }

    /**
     * Caught up: waits for the next accepted event (at most {@link #IDLE_WAIT_MILLIS}), then lets more
     * gather for {@link #LINGER_MILLIS}; true when there is something to read. A stop (interrupt) ends the wait.
     */
    private boolean awaitNews(String cursor) {
        if (!source.canAwait()) {
            return false;
        }
        try {
            if (!source.awaitNews(storeId, cursor, IDLE_WAIT_MILLIS)) {
                return false;
            }
            Thread.sleep(LINGER_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Zero when the source waits for news within {@link #syncOnce()}, which then ends only after a wait. */
    @Override
    public Duration idleDelay(Duration pollInterval) {
        return source.canAwait() ? Duration.ZERO : pollInterval;
    }

    private void account(SyncReport report, EventSource.Batch batch, Instant now, List<DeadLetter> letters) {
        List<ServerEvent> events = batch.events();
        stats.sent.addAndGet(report.appliedRows().size());
        stats.rate.record(now, report.appliedRows().size());
        report.skipped().forEach(s -> stats.skipped.computeIfAbsent(s.reason(), k -> new AtomicLong()).incrementAndGet());
        java.util.Set<Integer> done = new java.util.HashSet<>(report.appliedRows());
        report.skipped().forEach(s -> done.add(s.row()));
        for (SyncReport.Delivery d : report.deliveries()) {
            if (d.outcome() instanceof Outcome.Partial p && !p.failed().isEmpty()) {
                p.failed().forEach(f -> done.add(f.row()));
                letters.add(letter(DeadLetter.REFUSED, "", p.failed().stream().map(Outcome.RowFailure::message).distinct()
                                .collect(java.util.stream.Collectors.joining("; ")),
                        p.failed().stream().map(f -> events.get(f.row()).eventId()).toList(), now));
            }
        }
        if (report.stoppedBy() instanceof Outcome.GiveUp g) {
            List<String> undone = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                if (!done.contains(i)) {
                    undone.add(events.get(i).eventId());
                }
            }
            if (!undone.isEmpty()) {
                letters.add(letter(DeadLetter.GAVE_UP, g.code(), g.message(), undone, now));
            }
            stats.error(g.code() + ": " + g.message(), now);
        }
        stats.deadLettered.addAndGet(letters.stream().mapToLong(l -> l.personIds().size()).sum());
        if (letters.isEmpty()) {
            stats.lastSuccess = now;
        }
    }

    /** A dead letter of forwarding: the event ids; its sequences are unused (0), the cursor is not a number everywhere. */
    private DeadLetter letter(String kind, String code, String message, List<String> eventIds, Instant now) {
        return new DeadLetter(storeId, destinationId, "", "event", kind, code, message, eventIds, 0, 0, now);
    }

    /** Counters for the status page; safe to read from any thread. */
    public static final class Stats extends WorkerStats {
        final AtomicLong sent = new AtomicLong();
        final Map<String, AtomicLong> skipped = new ConcurrentHashMap<>();

        /** Events the platform took (dry-run: recorded). */
        public long sent() {
            return sent.get();
        }

        /** Events not sent, by reason (past the platform's maximum age, consent, no identifier it takes). */
        public Map<String, Long> skipped() {
            Map<String, Long> out = new java.util.TreeMap<>();
            skipped.forEach((k, v) -> out.put(k, v.get()));
            return out;
        }
    }
}
