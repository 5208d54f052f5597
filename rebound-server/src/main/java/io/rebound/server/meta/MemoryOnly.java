package io.rebound.server.meta;

import java.util.function.Supplier;

/**
 * Work tried on an event loop from what is in memory, and handed to a worker thread the moment it
 * would wait on a database. A hot read-mostly route (the decision API) answers most calls from caches:
 * the hop to a worker thread and back was most of its latency. Every read that may block calls
 * {@link #check} first; inside {@link #run} that throws {@link Miss}, before anything was written, and the
 * caller runs the work again where blocking is allowed. Outside {@link #run}, {@link #check} does nothing.
 */
public final class MemoryOnly {
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();
    private static final Miss MISS = new Miss();

    /** Thrown by {@link #check} inside {@link #run}: the work needs a blocking read. */
    public static final class Miss extends RuntimeException {
        private Miss() {
            super("needs a blocking read", null, false, false);
        }
    }

    private MemoryOnly() {
    }

    /** Runs {@code work}; any {@link #check} on the way throws {@link Miss} out of it. */
    public static <T> T run(Supplier<T> work) {
        Boolean outer = ACTIVE.get();
        ACTIVE.set(Boolean.TRUE);
        try {
            return work.get();
        } finally {
            ACTIVE.set(outer);
        }
    }

    /** Before a read that may block: inside {@link #run}, gives up with {@link Miss}. */
    public static void check() {
        if (ACTIVE.get() == Boolean.TRUE) {
            throw MISS;
        }
    }
}
