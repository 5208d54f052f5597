package io.rebound.destinations.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt {@code n} (from 1) waits a random time in
 * {@code [d/2, d]} where {@code d = min(max, base × 2^(n−1))}, and never less than the platform's
 * hint ({@code Retry-After}, usage headers).
 *
 * @param base   the first delay
 * @param max    the longest delay the exponent alone reaches (a platform's hint may ask for more)
 * @param random the jitter source
 */
public record Backoff(Duration base, Duration max, RandomGenerator random) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5),
            RandomGenerator.getDefault());

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(random, "random");
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= max, got " + base + ", " + max);
        }
    }

    /** The wait before retry {@code attempt} (1 = the first retry), at least {@code hint}. */
    public Duration delay(int attempt, Duration hint) {
        int shift = Math.min(Math.max(attempt, 1) - 1, 30);
        long ceiling = Math.min(max.toMillis(), base.toMillis() << shift);
        long jittered = ceiling / 2 + random.nextLong(ceiling / 2 + 1);
        long floor = hint == null ? 0 : hint.toMillis();
        return Duration.ofMillis(Math.max(jittered, floor));
    }
}
