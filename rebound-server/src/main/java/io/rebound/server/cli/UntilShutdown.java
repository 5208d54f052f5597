package io.rebound.server.cli;

import java.util.concurrent.CountDownLatch;

/** Closes what a command started when the JVM shuts down (Ctrl+C, SIGTERM); the command waits for that. */
final class UntilShutdown {
    private final CountDownLatch stopped = new CountDownLatch(1);

    private UntilShutdown() {
    }

    /** Runs {@code close} on a shutdown hook ({@code shutdown} thread), then lets {@link #await()} return. */
    static UntilShutdown closing(Runnable close) {
        UntilShutdown until = new UntilShutdown();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close.run();
            until.stopped.countDown();
        }, "shutdown"));
        return until;
    }

    /** Blocks until the shutdown hook has closed it. */
    void await() throws InterruptedException {
        stopped.await();
    }
}
