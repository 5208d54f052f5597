package io.rebound.server.collect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket per key (a write key, a store), lock-free. It is kept as the generic cell rate
 * algorithm: one {@code long} per key, the "theoretical arrival time" at which the bucket would be
 * full again, updated with a compare-and-set — equivalent to a bucket of {@code burst} tokens
 * refilled at {@code permitsPerSecond}. Time is a parameter ({@code System.nanoTime()} in
 * production), so tests control it.
 *
 * <p>A request for more permits than the burst (a large batch) is allowed when the bucket is full
 * and leaves the key in debt, so later requests wait; otherwise it could never pass. Keys idle
 * long enough for their bucket to be full again are evicted, and at most {@code maxKeys} are kept,
 * so memory stays bounded; an evicted key starts with a full bucket, which it would have had anyway.
 */
public final class RateLimiter {

    private final long nanosPerPermit;
    private final long burstNanos;
    private final Cache<String, AtomicLong> buckets;

    /**
     * @param permitsPerSecond sustained rate, greater than 0
     * @param burst            bucket size: permits available at once, at least 1
     * @param maxKeys          most keys tracked at once
     */
    public RateLimiter(double permitsPerSecond, int burst, long maxKeys) {
        if (!(permitsPerSecond > 0) || burst < 1 || maxKeys < 1) {
            throw new IllegalArgumentException("need permitsPerSecond > 0, burst >= 1, maxKeys >= 1");
        }
        this.nanosPerPermit = Math.max(1, Math.round(1e9 / permitsPerSecond));
        this.burstNanos = Math.multiplyExact(nanosPerPermit, (long) burst);
        Duration refill = Duration.ofNanos(burstNanos);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(refill.compareTo(Duration.ofMinutes(1)) > 0 ? refill : Duration.ofMinutes(1))
                .build();
    }

    /**
     * Buckets per client address: up to 100,000 addresses (a few MB), or null when
     * {@code permitsPerSecond} is 0 (no limit).
     */
    public static RateLimiter perClient(double permitsPerSecond, int burst) {
        return permitsPerSecond == 0 ? null : new RateLimiter(permitsPerSecond, burst, 100_000);
    }

    /**
     * Takes {@code permits} from {@code key}'s bucket.
     *
     * @return 0 when allowed, else the nanoseconds until the request would be allowed (nothing is taken)
     */
    public long tryAcquire(String key, int permits, long nowNanos) {
        if (permits < 1) {
            return 0;
        }
        AtomicLong tat = buckets.get(key, k -> new AtomicLong(nowNanos));
        long cost = Math.multiplyExact(nanosPerPermit, (long) permits);
        while (true) {
            long current = tat.get();
            long start = current - nowNanos > 0 ? current : nowNanos; // max, safe across nanoTime overflow
            long next = start + cost;
            long wait = cost > burstNanos ? start - nowNanos : next - nowNanos - burstNanos;
            if (wait > 0) {
                return wait;
            }
            if (tat.compareAndSet(current, next)) {
                return 0;
            }
        }
    }

    /** Whole seconds to put in a {@code Retry-After} header for a wait of {@code nanos}, at least 1. */
    public static long retryAfterSeconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
