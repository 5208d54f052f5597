package io.rebound.server.wiring;

import io.rebound.server.activation.Ownership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Periodic passes that one node of a cluster runs at a time, whichever node that is: each pass has a
 * name, the name is claimed through the {@link Ownership} (a PostgreSQL advisory lock in cluster mode,
 * the one activation uses for destinations), and only the node holding the claim runs the pass. A
 * claim round every {@link #CLAIM_INTERVAL} claims what is free; when the owner dies its database
 * connection drops, PostgreSQL releases the lock, and the next round of another node takes the pass
 * over. The passes keep their progress in the database (the email queue and its cursors, the codes'
 * states), so the new owner resumes where the old one stopped.
 * <p>
 * Between the moment a claim is lost (the owner's connection broke) and this node's next round, both
 * nodes may run a pass; the passes claim each row before acting on it, so a row is still handled once.
 */
public final class OwnedJobs implements Jobs, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnedJobs.class);
    /** How often a node claims the passes that have no owner (the same cadence as destinations). */
    public static final Duration CLAIM_INTERVAL = Duration.ofSeconds(5);
    /** How long {@link #close()} waits for a pass in progress to finish before interrupting it. */
    static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private final Ownership ownership;
    private final Duration claimInterval;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final ScheduledExecutorService claims = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rebound-job-claims").factory());
    private boolean started;
    private boolean closed;

    private static final class Job {
        final String name;
        final Callable<?> pass;
        final ScheduledExecutorService thread;
        volatile boolean held;

        Job(String name, Callable<?> pass) {
            this.name = name;
            this.pass = pass;
            this.thread = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("rebound-job-" + name).factory());
        }

        void tick() {
            if (!held) {
                return;
            }
            try {
                pass.call();
            } catch (Exception e) {
                LOG.warn("{}: {}", name, e.getMessage());
            }
        }
    }

    /** Passes claimed through {@code ownership}, a claim round every {@link #CLAIM_INTERVAL}. */
    public OwnedJobs(Ownership ownership) {
        this(ownership, CLAIM_INTERVAL);
    }

    public OwnedJobs(Ownership ownership, Duration claimInterval) {
        this.ownership = Objects.requireNonNull(ownership, "ownership");
        if (claimInterval.isNegative() || claimInterval.isZero()) {
            throw new IllegalArgumentException("claimInterval must be positive");
        }
        this.claimInterval = claimInterval;
    }

    /** Registers a pass; it runs here once {@link #start()}ed and while this node holds {@code name}. */
    @Override
    public synchronized void every(String name, Duration every, Callable<?> pass) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (jobs.containsKey(name)) {
            throw new IllegalArgumentException("a pass named " + name + " is already registered");
        }
        Job j = new Job(name, pass);
        jobs.put(name, j);
        j.thread.scheduleWithFixedDelay(j::tick, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        if (started) {
            claim();
        }
    }

    /** Claims what is free now, then every claim interval. */
    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        claim();
        claims.scheduleWithFixedDelay(this::claim, claimInterval.toMillis(), claimInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** One claim round: each pass held here is kept, each free one is taken. */
    synchronized void claim() {
        if (closed) {
            return;
        }
        try {
            if (!ownership.healthy()) {
                LOG.warn("the claims of {} may be lost (database connection); claiming again", jobs.keySet());
                jobs.values().forEach(j -> j.held = false);
                ownership.reset();
            }
            for (Job j : jobs.values()) {
                boolean held = ownership.acquire(j.name);
                if (held && !j.held) {
                    LOG.info("{} runs on this node now", j.name);
                }
                j.held = held;
            }
        } catch (RuntimeException e) {
            LOG.warn("claim round failed: {}", e.getMessage());
        }
    }

    /** Whether this node runs the pass {@code name} now. */
    public synchronized boolean runsHere(String name) {
        Job j = jobs.get(name);
        return j != null && j.held;
    }

    /**
     * Stops claiming, lets each pass in progress finish (up to {@link #STOP_WAIT}), then gives every
     * claim up so that another node takes the passes over at its next round.
     */
    @Override
    public void close() {
        List<Job> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(jobs.values());
            all.forEach(j -> j.held = false);
        }
        claims.shutdownNow();
        all.forEach(j -> j.thread.shutdown());
        for (Job j : all) {
            try {
                if (!j.thread.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} did not finish within {}; interrupted", j.name, STOP_WAIT);
                    j.thread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                j.thread.shutdownNow();
            }
        }
        ownership.close();
    }
}
