package io.rebound.server.collect;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void allowsTheBurstThenTheSustainedRate() {
        RateLimiter limiter = new RateLimiter(10, 5, 1000);
        long t = 123_456_789L;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("wk", 1, t)).isZero();
        }
        assertThat(limiter.tryAcquire("wk", 1, t)).isEqualTo(SECOND / 10);
        assertThat(limiter.tryAcquire("wk", 1, t + SECOND / 10 - 1)).isEqualTo(1);
        assertThat(limiter.tryAcquire("wk", 1, t + SECOND / 10)).isZero();
        // After a long pause the bucket is full again, but never more than the burst.
        long later = t + 60 * SECOND;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("wk", 1, later)).isZero();
        }
        assertThat(limiter.tryAcquire("wk", 1, later)).isPositive();
    }

    @Test
    void keysHaveSeparateBuckets() {
        RateLimiter limiter = new RateLimiter(1, 1, 1000);
        assertThat(limiter.tryAcquire("store-a", 1, 0)).isZero();
        assertThat(limiter.tryAcquire("store-a", 1, 0)).isEqualTo(SECOND);
        assertThat(limiter.tryAcquire("store-b", 1, 0)).isZero();
    }

    @Test
    void waitIsForTheWholeRequestAndARefusalTakesNothing() {
        RateLimiter limiter = new RateLimiter(100, 100, 1000);
        assertThat(limiter.tryAcquire("wk", 80, 0)).isZero();
        assertThat(limiter.tryAcquire("wk", 50, 0)).isEqualTo(300_000_000L); // 30 tokens short at 100/s
        assertThat(limiter.tryAcquire("wk", 20, 0)).isZero();
    }

    @Test
    void aRequestLargerThanTheBurstPassesOnAFullBucketAndLeavesDebt() {
        RateLimiter limiter = new RateLimiter(100, 50, 1000);
        assertThat(limiter.tryAcquire("wk", 500, 0)).isZero();
        assertThat(limiter.tryAcquire("wk", 1, 0)).isEqualTo(4_510_000_000L); // 5 s of debt + 1 permit - the burst
        assertThat(limiter.tryAcquire("wk", 500, 4 * SECOND)).as("not full yet").isEqualTo(SECOND);
        assertThat(limiter.tryAcquire("wk", 500, 5 * SECOND)).isZero();
    }

    @Test
    void worksAcrossNanoTimeOverflow() {
        RateLimiter limiter = new RateLimiter(1, 1, 10);
        long nearMax = Long.MAX_VALUE - SECOND / 2;
        assertThat(limiter.tryAcquire("wk", 1, nearMax)).isZero();
        assertThat(limiter.tryAcquire("wk", 1, nearMax + SECOND / 4)).isEqualTo(3 * SECOND / 4);
        assertThat(limiter.tryAcquire("wk", 1, nearMax + SECOND)).isZero(); // wrapped to negative
    }

    @Test
    void concurrentCallersNeverGetMoreThanTheBurst() {
        RateLimiter limiter = new RateLimiter(1, 1000, 10);
        AtomicInteger granted = new AtomicInteger();
        IntStream.range(0, 5000).parallel().forEach(i -> {
            if (limiter.tryAcquire("wk", 1, 42) == 0) {
                granted.incrementAndGet();
            }
        });
        assertThat(granted).hasValue(1000);
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() {
        assertThat(RateLimiter.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(RateLimiter.retryAfterSeconds(SECOND)).isEqualTo(1);
        assertThat(RateLimiter.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
    }

    @Test
    void rejectsNonsenseConfiguration() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
