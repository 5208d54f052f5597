package io.rebound.server.wiring;

import java.util.function.Consumer;

/**
 * How a server starts: it opens its resources as it goes, so one that fails to start closes what it
 * opened before the failure goes on to the caller (the embedded and the cluster server alike).
 */
public final class Startup {
    private Startup() {
    }

    /**
     * Runs {@code start} on {@code server} and returns it; when {@code start} fails, the server is
     * closed first (a failure to close is added to the start's failure as suppressed).
     */
    public static <S extends AutoCloseable> S orClose(S server, Consumer<? super S> start) {
        try {
            start.accept(server);
            return server;
        } catch (RuntimeException e) {
            try {
                server.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
