package io.rebound.server.concurrent;

import java.time.Duration;

/** How the server's own background threads are stopped. */
public final class Threads {
    private Threads() {
    }

    /**
     * Waits up to {@code timeout} for {@code thread} to end, as a {@code close()} does after telling it to stop;
     * an interrupt ends the wait early and stays set on the caller.
     */
    public static void join(Thread thread, Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
