package io.rebound.destinations.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Worker}s (list sync, event forwarding), each on a thread of its own: a destination that is down or throttling
 * waits out its own backoff and delays no other. A worker that caught up polls its feed again after
 * {@code pollInterval} (unless it waits for news itself: {@link Worker#idleDelay}); one that made progress goes on at once; one asked to retry waits
 * {@link Worker.Pass#retryAfter()}; one that failed (its store or feed threw) waits a backoff.
 * Nothing is queued in memory: the cursors are on the durable change log.
 */
public final class DeliveryEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DeliveryEngine.class.getName());

    private final List<Running> running = new ArrayList<>();
    private final Duration pollInterval;
    private final Backoff errorBackoff;

    public DeliveryEngine(Duration pollInterval, Backoff errorBackoff) {
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.errorBackoff = Objects.requireNonNull(errorBackoff, "errorBackoff");
    }

    private static final class Running {
        final Worker worker;
        final ScheduledExecutorService thread;
        int errors;

        Running(Worker worker) {
            this.worker = worker;
            this.thread = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("rebound-" + worker.kind() + "-" + worker.destinationId()).factory());
        }
    }

    /** Starts {@code worker} on its own thread, syncing now. */
    public synchronized void start(Worker worker) {
        Running r = new Running(worker);
        running.add(r);
        r.thread.execute(() -> run(r));
    }

    private void run(Running r) {
        Duration next;
        try {
            Worker.Pass pass = r.worker.syncOnce();
            r.errors = 0;
            next = pass.retryAfter() != null ? pass.retryAfter() : pass.batches() > 0 ? Duration.ZERO
                    : r.worker.idleDelay(pollInterval);
        } catch (RuntimeException e) {
            r.errors++;
            next = errorBackoff.delay(r.errors, Duration.ZERO);
            LOG.log(System.Logger.Level.WARNING, r.worker.kind() + " of destination " + r.worker.destinationId() + " failed; next try in " + next, e);
        }
        if (!r.thread.isShutdown()) {
            try {
                r.thread.schedule(() -> run(r), next.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closed meanwhile
            }
        }
    }

    /**
     * Stops the worker of {@code destinationId}, waiting for a pass in flight to end (its uncommitted
     * batch, if interrupted, is sent again by the next worker); false when none runs.
     */
    public boolean stop(String destinationId) {
        List<Running> stopping;
        synchronized (this) {
            stopping = running.stream().filter(r -> r.worker.destinationId().equals(destinationId)).toList();
            running.removeAll(stopping);
        }
        for (Running r : stopping) {
            r.thread.shutdownNow();
            try {
                r.thread.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return !stopping.isEmpty();
    }

    /** Stops every worker; a pass in flight is interrupted and its uncommitted batch is sent again on the next start. */
    @Override
    public synchronized void close() {
        running.forEach(r -> r.thread.shutdownNow());
        for (Running r : running) {
            try {
                r.thread.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
