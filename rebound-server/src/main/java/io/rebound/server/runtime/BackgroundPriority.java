package io.rebound.server.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs background work (retention sweeps, written-behind counters, and the log's consumers while
 * the audience writer is behind: {@link ConsumerThreads}) at a lower CPU scheduling priority than
 * the threads that answer requests.
 *
 * <p>Accepting an event is the part that cannot wait: a client holds a connection open until
 * the append is durable. Everything downstream reads the log at its own pace, so under a burst
 * that saturates the CPUs the log absorbs the difference and the consumers catch up when the
 * burst passes. Below saturation a nice value is not free: a thread at nice 10 that wakes for new
 * records waits for the scheduler, which is why the audience writer, while it keeps up, runs at the
 * request threads' priority ({@link ConsumerThreads}). On Linux a
 * thread may lower (never raise) its own priority without privileges; this uses
 * {@code renice} on the thread's id, read from {@code /proc/thread-self}. Elsewhere, or when
 * that fails, it logs once and the thread keeps the default priority.
 */
public final class BackgroundPriority {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundPriority.class);
    private static volatile int nice;

    private BackgroundPriority() {
    }

    /** The nice value (0–19) background threads take from now on; 0 keeps them equal to request threads. */
    public static void configure(int niceValue) {
        if (niceValue < 0 || niceValue > 19) {
            throw new IllegalArgumentException("background nice value must be 0..19, got " + niceValue);
        }
        nice = niceValue;
    }

    /** True when background threads are to run at a lower priority than request threads (a nice value above 0, on Linux). */
    public static boolean enabled() {
        return nice != 0 && Files.exists(Path.of("/proc/thread-self"));
    }

    /** Lowers the calling thread's priority to the configured nice value; best effort. */
    public static void lowerCurrentThread() {
        int value = nice;
        if (value == 0) {
            return;
        }
        Path self = Path.of("/proc/thread-self");
        if (!Files.exists(self)) {
            return;
        }
        try {
            String tid = Files.readSymbolicLink(self).getFileName().toString();
            Process p = new ProcessBuilder("renice", "-n", String.valueOf(value), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                LOG.info("{}: could not lower CPU priority (renice failed); running at default priority",
                        Thread.currentThread().getName());
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{}: could not lower CPU priority ({}); running at default priority",
                    Thread.currentThread().getName(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
