package io.rebound.server.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ConsumerThreadsTest {
    @AfterEach
    void reset() {
        BackgroundPriority.configure(0);
    }

    /** Where one pass ran: its thread's name and nice value. */
    private record Ran(String thread, int nice) {
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aConsumerRunsAtTheRequestThreadsPriorityUntilItHasBeenBehindForTheThresholdAndComesBackWhenCaughtUp()
            throws Exception {
        BackgroundPriority.configure(7);
        AtomicLong clock = new AtomicLong();
        List<Ran> ran = new ArrayList<>(); // written by whichever thread holds the turn, read after the loop ends
        AtomicReference<ConsumerThreads> self = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        // What each pass reports, and how far the clock moves before it: behind since 0, at 0.4 s and 0.8 s
        // (under the 1 s threshold), at 1.2 s (over it: the next pass runs behind), behind again, caught
        // up (the next pass is back in front), and behind anew, which starts a new second.
        long[] advanceMillis = {0, 400, 400, 400, 100, 0, 0};
        boolean[] behind = {true, true, true, true, true, false, true};
        ConsumerThreads threads = ConsumerThreads.of("consumer", () -> {
            int i = ran.size();
            ran.add(new Ran(Thread.currentThread().getName(), BackgroundPriorityTest.niceOfCurrentThread()));
            if (i == advanceMillis.length) {
                return false;
            }
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(advanceMillis[i]));
            if (behind[i]) {
                self.get().behind();
            } else {
                self.get().caughtUp();
            }
            return true;
        }, ended::countDown, clock::get, Duration.ofSeconds(1));
        self.set(threads);
        threads.start();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        threads.join(5_000);

        Ran front = new Ran("consumer", 0);
        Ran back = new Ran("consumer-behind", 7);
        assertThat(ran).containsExactly(front, front, front, front, back, back, front, front);
    }

    @Test
    void passesNeverOverlapAndEachSeesWhatTheOneBeforeWroteWhicheverThreadRanIt() throws Exception {
        BackgroundPriority.configure(5);
        SplittableRandom random = new SplittableRandom(11);
        AtomicBoolean inPass = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger onBehindThread = new AtomicInteger();
        long[] counter = {0}; // plain memory: the turn's hand-over is what makes each pass see the last one's write
        AtomicReference<ConsumerThreads> self = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        int passes = 20_000;
        ConsumerThreads threads = ConsumerThreads.of("consumer", () -> {
            if (!inPass.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
            long seen = counter[0];
            counter[0] = seen + 1;
            if (Thread.currentThread().getName().endsWith("-behind")) {
                onBehindThread.incrementAndGet();
            }
            if (random.nextBoolean()) {
                self.get().behind();
            } else {
                self.get().caughtUp();
            }
            inPass.set(false);
            return seen + 1 < passes;
        }, ended::countDown, System::nanoTime, Duration.ZERO);
        self.set(threads);
        threads.start();
        assertThat(ended.await(30, TimeUnit.SECONDS)).isTrue();
        threads.join(5_000);

        assertThat(overlaps).hasValue(0);
        assertThat(counter[0]).isEqualTo(passes);
        assertThat(onBehindThread.get()).isBetween(1, passes - 1); // the turn did move, both ways
    }

    @Test
    void whenTheLoopEndsBothThreadsEndAndTheAfterStepRunsOnce() throws Exception {
        BackgroundPriority.configure(5);
        AtomicInteger after = new AtomicInteger();
        AtomicReference<ConsumerThreads> self = new AtomicReference<>();
        AtomicInteger passes = new AtomicInteger();
        List<Thread> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConsumerThreads threads = ConsumerThreads.of("consumer", () -> {
            seen.add(Thread.currentThread());
            self.get().behind();
            return passes.incrementAndGet() < 3;
        }, after::incrementAndGet, System::nanoTime, Duration.ZERO);
        self.set(threads);
        threads.start();
        threads.join(5_000);

        assertThat(after).hasValue(1);
        assertThat(passes).hasValue(3);
        assertThat(seen).extracting(Thread::getName).containsExactly("consumer", "consumer", "consumer-behind");
        assertThat(seen).allSatisfy(t -> assertThat(t.isAlive()).isFalse());
    }

    @Test
    void withoutABackgroundPriorityThereIsOneThreadWhateverThePassesReport() throws Exception {
        BackgroundPriority.configure(0);
        AtomicReference<ConsumerThreads> self = new AtomicReference<>();
        List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConsumerThreads threads = ConsumerThreads.of("consumer", () -> {
            names.add(Thread.currentThread().getName());
            self.get().behind();
            return names.size() < 5;
        }, () -> { }, System::nanoTime, Duration.ZERO);
        self.set(threads);
        threads.start();
        threads.join(5_000);

        assertThat(names).hasSize(5).containsOnly("consumer");
        assertThat(threads.inBackground()).isFalse();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aFollowerTakesItsPriorityFromTheSignalItFollowsNotFromItsOwnReports() throws Exception {
        BackgroundPriority.configure(6);
        AtomicBoolean leaderBehind = new AtomicBoolean(true);
        AtomicReference<ConsumerThreads> self = new AtomicReference<>();
        List<Ran> ran = new ArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        // The follower reports itself caught up every pass; only the signal moves it.
        boolean[] signal = {true, true, false, false, true};
        ConsumerThreads threads = ConsumerThreads.of("indexer", () -> {
            int i = ran.size();
            ran.add(new Ran(Thread.currentThread().getName(), BackgroundPriorityTest.niceOfCurrentThread()));
            self.get().caughtUp();
            if (i == signal.length) {
                return false;
            }
            leaderBehind.set(signal[i]);
            return true;
        }, ended::countDown);
        threads.follow(leaderBehind::get);
        self.set(threads);
        threads.start();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        threads.join(5_000);

        Ran front = new Ran("indexer", 0);
        Ran back = new Ran("indexer-behind", 6);
        // The first pass runs in front (the turn starts there); each pass's end applies the signal it set.
        assertThat(ran).containsExactly(front, back, back, front, front, back);
    }

    @Test
    void anInterruptEndsAPassThatWaitsAndWithItTheLoop() throws Exception {
        BackgroundPriority.configure(5);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicInteger after = new AtomicInteger();
        ConsumerThreads threads = ConsumerThreads.of("consumer", () -> {
            waiting.countDown();
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60)); // an interrupt ends it
            return !Thread.currentThread().isInterrupted();
        }, after::incrementAndGet);
        threads.start();
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        threads.interrupt();
        threads.join(5_000);

        assertThat(after).hasValue(1);
        assertThat(threads.current().isAlive()).isFalse();
    }
}
