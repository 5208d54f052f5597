package io.rebound.destinations.delivery;

import io.rebound.destinations.Response;
import io.rebound.destinations.Transport;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A platform's request rate per account, shared by every worker that sends on that account: each
 * request takes a permit, and a worker that finds none waits on its own thread (which holds back only
 * the destinations of that account). Permits refill evenly; up to {@code burst} can be taken at once
 * after a quiet spell. Thread-safe.
 */
public final class Pacer {
    private final double permitsPerNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private double available;
    private long refilledAt;

    /** {@code perMinute} requests a minute, at most {@code burst} at once. */
    public Pacer(int perMinute, int burst) {
        this(perMinute, burst, System::nanoTime);
    }

    Pacer(int perMinute, int burst, LongSupplier nanoTime) {
        if (perMinute < 1 || burst < 1) {
            throw new IllegalArgumentException("perMinute and burst must be positive");
        }
        this.permitsPerNano = perMinute / (double) Duration.ofMinutes(1).toNanos();
        this.burst = burst;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.available = burst;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** Takes a permit now, or returns how long to wait before asking again. */
    synchronized Duration tryAcquire() {
        long now = nanoTime.getAsLong();
        available = Math.min(burst, available + (now - refilledAt) * permitsPerNano);
        refilledAt = now;
        if (available >= 1) {
            available -= 1;
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - available) / permitsPerNano));
    }

    /** Waits for a permit; an interrupt ends the wait with the interrupt flag set and no permit taken. */
    public boolean acquire() {
        while (true) {
            Duration wait = tryAcquire();
            if (wait.isZero()) {
                return true;
            }
            try {
                Thread.sleep(Math.max(1, wait.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** {@code inner} with every request paced by this pacer. */
    public Transport pace(Transport inner) {
        Objects.requireNonNull(inner, "inner");
        return request -> {
            if (!acquire()) {
                return new Response.Failed("interrupted while waiting for the account's rate limit", false);
            }
            return inner.send(request);
        };
    }
}
