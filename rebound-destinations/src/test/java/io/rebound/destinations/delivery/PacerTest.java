package io.rebound.destinations.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {

    @Test
    void aBurstIsTakenAtOnceThenPermitsComeEvenly() {
        AtomicLong now = new AtomicLong();
        Pacer pacer = new Pacer(60, 3, now::get); // one a second
        for (int i = 0; i < 3; i++) {
            assertThat(pacer.tryAcquire()).isZero();
        }
        assertThat(pacer.tryAcquire()).isEqualTo(Duration.ofSeconds(1));
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(pacer.tryAcquire()).isEqualTo(Duration.ofMillis(500));
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(pacer.tryAcquire()).isZero();
        now.addAndGet(Duration.ofHours(1).toNanos());
        for (int i = 0; i < 3; i++) {
            assertThat(pacer.tryAcquire()).as("never more than the burst after a quiet hour").isZero();
        }
        assertThat(pacer.tryAcquire()).isPositive();
    }
}
