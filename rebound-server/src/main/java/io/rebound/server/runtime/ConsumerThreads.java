package io.rebound.server.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Runs a log consumer's loop (the audience writer) at the request threads' priority while it keeps
 * up, and at the {@linkplain BackgroundPriority background priority} once it has had work waiting
 * for longer than {@link #BEHIND_AFTER}; or (the indexer) at the priority another consumer's state
 * gives ({@link #follow}).
 *
 * <p>Why both: a consumer that keeps up is what makes audiences fresh, and at a lower priority it
 * waits for the scheduler every time it wakes for new records (event → membership p99 of 16–42 ms
 * instead of 5–8 ms at 18,000 events/s, docs/PERFORMANCE.md). A consumer that has fallen behind is
 * in a burst the CPUs cannot serve at once; then the collector comes first, the log absorbs the
 * difference and the consumer catches up when the burst passes. A thread may lower its priority
 * without privileges but not raise it again, so there are two threads, one at each priority, and
 * one turn: only the thread that holds it runs passes, and the turn moves only between passes.
 * Its hand-over, under a monitor, orders everything one pass wrote before the next pass, on either thread.
 *
 * <p>A pass tells how it ended with {@link #caughtUp} (it reached the end of what there was to do)
 * or {@link #behind} (it left work waiting). With the background priority off ({@code
 * background-nice 0}) or unavailable, there is one thread.
 *
 * <p>A consumer cheap enough to keep up with a saturated collector would, under this rule, stay at
 * full priority and take its share of the CPUs from the collector; the indexer (~5 µs an event)
 * did, a fifth to a quarter of a core, and the collector's single-event peak fell from 0.49–0.65×
 * the no-op endpoint to 0.39–0.41×. Kept at the background priority always instead, it slowed the
 * audience writer it shares RocksDB's write queue with (event → membership p99 19–61 ms against
 * 4–15 ms), so it follows the writer (docs/PERFORMANCE.md, "Session 9").
 */
public final class ConsumerThreads {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerThreads.class);
    /** How long a consumer may have work waiting before it yields to the request threads. */
    public static final Duration BEHIND_AFTER = Duration.ofSeconds(1);
    private static final long NOT_BEHIND = Long.MIN_VALUE;

    /** One pass of a consumer's loop; false ends the loop. */
    @FunctionalInterface
    public interface Pass {
        boolean run();
    }

    private final Object turn = new Object(); // guards backgroundTurn and ended; notified when either changes
    private final LongSupplier nanoTime;
    private final long behindAfterNanos;
    private final Thread foreground;
    private final Thread background;
    private final Pass pass;
    private final Runnable afterLoop;
    private boolean backgroundTurn;
    private boolean ended;
    private long behindSince = NOT_BEHIND; // only the thread holding the turn touches these two
    private boolean wantBackground;
    private volatile BooleanSupplier follow; // null: the passes' own reports decide

    private ConsumerThreads(String name, Pass pass, Runnable afterLoop, LongSupplier nanoTime, Duration behindAfter,
                            boolean twoThreads) {
        this.pass = pass;
        this.afterLoop = afterLoop;
        this.nanoTime = nanoTime;
        this.behindAfterNanos = behindAfter.toNanos();
        this.foreground = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> loop(false));
        this.background = twoThreads
                ? Thread.ofPlatform().name(name + "-behind").daemon(true).unstarted(() -> loop(true)) : null;
    }

    /**
     * Threads that run {@code pass} in a loop, once {@linkplain #start started}, until it returns
     * false; then {@code afterLoop} runs once, on the thread that ran the last pass. They are named
     * {@code name} and {@code name-behind}.
     */
    public static ConsumerThreads of(String name, Pass pass, Runnable afterLoop) {
        return of(name, pass, afterLoop, System::nanoTime, BEHIND_AFTER);
    }

    /** As {@link #of(String, Pass, Runnable)}, with the clock and the threshold given (tests). */
    public static ConsumerThreads of(String name, Pass pass, Runnable afterLoop, LongSupplier nanoTime,
                                     Duration behindAfter) {
        return new ConsumerThreads(name, pass, afterLoop, nanoTime, behindAfter, BackgroundPriority.enabled());
    }

    /**
     * Passes from now on take their priority from {@code behind} instead of their own reports: at
     * the background priority while it is true. For a consumer cheap enough to keep up with a
     * saturated collector (the indexer, ~5 µs an event), which by its own reports would stay at full
     * priority and take its share of the CPUs from the collector: it follows the audience writer,
     * whose falling behind is the sign that the CPUs are saturated.
     */
    public void follow(BooleanSupplier behind) {
        this.follow = behind;
    }

    /** Starts the loop, on the request threads' priority. */
    public ConsumerThreads start() {
        foreground.start();
        if (background != null) {
            background.start();
        }
        return this;
    }

    /** From a pass: it reached the end of its work; the next pass runs at the request threads' priority. */
    public void caughtUp() {
        behindSince = NOT_BEHIND;
        wantBackground = false;
    }

    /** From a pass: it left work waiting; once that has lasted {@link #BEHIND_AFTER}, passes run in the background. */
    public void behind() {
        long now = nanoTime.getAsLong();
        if (behindSince == NOT_BEHIND) {
            behindSince = now;
        } else if (now - behindSince >= behindAfterNanos) {
            wantBackground = true;
        }
    }

    /** The thread that holds the turn (for a stack trace when the consumer stalls). */
    public Thread current() {
        return inBackground() ? background : foreground;
    }

    /** True while the passes run on the background thread. */
    public boolean inBackground() {
        synchronized (turn) {
            return backgroundTurn && background != null;
        }
    }

    /** Interrupts both threads (a pass that waits returns at once). */
    public void interrupt() {
        foreground.interrupt();
        if (background != null) {
            background.interrupt();
        }
    }

    /** Waits up to {@code timeoutMillis} in all for both threads to end. */
    public void join(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        foreground.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        if (background != null) {
            background.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    /** At the end of a pass, by the thread that ran it: hands the turn to the other thread if the pass asked for it. */
    private void moveTurn() {
        if (background == null) {
            return;
        }
        BooleanSupplier following = follow;
        if (following != null) {
            wantBackground = following.getAsBoolean();
        }
        synchronized (turn) {
            if (backgroundTurn == wantBackground) {
                return;
            }
            backgroundTurn = wantBackground;
            turn.notifyAll();
        }
        LOG.debug("{}: {}", foreground.getName(), wantBackground ? "behind for " + behindAfterNanos / 1_000_000
                + " ms, on to the background priority" : "caught up, back at the request threads' priority");
    }

    private void loop(boolean isBackground) {
        if (isBackground) {
            BackgroundPriority.lowerCurrentThread();
        }
        while (awaitTurn(isBackground)) {
            boolean more;
            try {
                more = pass.run();
            } catch (RuntimeException | Error e) {
                end();
                throw e;
            }
            if (!more) {
                end();
                afterLoop.run();
                return;
            }
            moveTurn();
        }
    }

    /**
     * Blocks until this thread holds the turn; false once the loop has ended. An interrupt does not
     * end the wait (the thread holding the turn ends the loop); it stays set for the next pass.
     */
    private boolean awaitTurn(boolean isBackground) {
        boolean interrupted = false;
        synchronized (turn) {
            while (!ended && background != null && backgroundTurn != isBackground) {
                try {
                    turn.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return !ended;
        }
    }

    private void end() {
        synchronized (turn) {
            ended = true;
            turn.notifyAll();
        }
    }
}
