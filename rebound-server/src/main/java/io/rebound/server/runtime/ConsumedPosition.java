package io.rebound.server.runtime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log position up to which a consumer of the log (the indexer, the audience runtime) has
 * committed: its thread moves it ({@link #advance}); any thread reads it or waits until it reaches
 * a target ({@link #await}).
 */
public final class ConsumedPosition {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile long position;

    /** @param start where the consumer resumes */
    public ConsumedPosition(long start) {
        this.position = start;
    }

    /** The position committed so far. */
    public long get() {
        return position;
    }

    /** Publishes {@code next}, once what comes before it is committed, and wakes the threads waiting for it. */
    public void advance(long next) {
        lock.lock();
        try {
            position = next;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits (up to {@code timeoutMillis}) until the position reaches {@code target}; false on timeout. */
    public boolean await(long target, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (position < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                advanced.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
