package io.rebound.destinations.delivery;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A worker's batch commits, run one at a time beside the worker's next batch (decision 0023): a commit
 * starts only after the previous one is done, and {@link #settle()} waits for the one in flight and rethrows
 * its failure. The thread is a platform thread that goes after 5 idle seconds (a dropped worker leaves none
 * behind) and is never interrupted by a stop (H2 closes its file when a thread is interrupted in I/O); a
 * virtual thread per commit cost more CPU in the sync benchmark. Used by one worker thread only.
 */
final class BackgroundCommits {
    private final ExecutorService thread;
    private Future<?> pending;

    BackgroundCommits(String threadName) {
        this.thread = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name(threadName).factory());
    }

    /** Waits for the commit in flight, then starts {@code commit}; a failure of the previous one is thrown here. */
    void submit(Runnable commit) {
        settle();
        pending = thread.submit(commit);
    }

    /**
     * Waits for the commit in flight, if any, and rethrows its failure. Not interruptible: a stopped worker
     * lets the commit of a batch the platform took finish (the interrupt is kept for the caller).
     */
    void settle() {
        Future<?> p = pending;
        if (p == null) {
            return;
        }
        pending = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    p.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
