package io.rebound.server.wiring;

import io.vertx.core.Vertx;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a server's periodic background passes run (the email flows, the codes created in the shops):
 * on the one embedded server, every pass runs there ({@link #onVertx}); in a cluster, on the one node
 * that holds the pass's claim ({@link OwnedJobs}).
 */
public interface Jobs {

    /**
     * Runs {@code pass} every {@code every}, never two passes of {@code name} at once; a failed pass is
     * logged and the next one runs as planned.
     */
    void every(String name, Duration every, Callable<?> pass);

    /** Every pass on a worker thread of {@code vertx}, stopped with it: one embedded server. */
    static Jobs onVertx(Vertx vertx) {
        return (name, every, pass) -> {
            AtomicBoolean running = new AtomicBoolean();
            vertx.setPeriodic(every.toMillis(), id -> {
                if (!running.compareAndSet(false, true)) {
                    return;
                }
                try {
                    vertx.executeBlocking(pass, false).onComplete(r -> {
                        running.set(false);
                        if (r.failed()) {
                            LoggerFactory.getLogger(Jobs.class).warn("{}: {}", name, r.cause().getMessage());
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    // A timer that fired as the server stops: its worker pool is gone, and so is the pass.
                    running.set(false);
                }
            });
        };
    }
}
