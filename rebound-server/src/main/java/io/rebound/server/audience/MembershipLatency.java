package io.rebound.server.audience;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The {@code rebound.audience.event.to.membership} timer: wall time from the collector accepting an
 * event to the commit of the membership state it produced. The writer thread notes each event's
 * receipt time while it processes a unit of work and records them all once the unit has committed.
 * Nothing is recorded until {@link #registerIn} was called.
 */
final class MembershipLatency {
    private final int minCapacity;
    private volatile Timer latency;
    private long[] receivedMillis = new long[0];
    private int received;

    /** @param minCapacity the smallest buffer allocated for a unit's receipt times */
    MembershipLatency(int minCapacity) {
        this.minCapacity = minCapacity;
    }

    void registerIn(MeterRegistry metrics) {
        this.latency = Timer.builder("rebound.audience.event.to.membership")
                .description("from the collector accepting an event to its memberships being committed")
                .publishPercentiles(0.5, 0.99)
                // Percentiles over the last 10–20 s: what freshness is now, not since start-up.
                .distributionStatisticExpiry(java.time.Duration.ofSeconds(20)).distributionStatisticBufferLength(2)
                .register(metrics);
    }

    /** Starts a unit of work: forgets the receipt times of the last one. */
    void reset() {
        received = 0;
    }

    /** Notes one event of the unit. */
    void received(Instant receivedAt) {
        if (received == receivedMillis.length) {
            receivedMillis = java.util.Arrays.copyOf(receivedMillis, Math.max(minCapacity, 2 * received));
        }
        receivedMillis[received++] = receivedAt.toEpochMilli();
    }

    /** Records the noted events as committed now. */
    void record() {
        Timer t = latency;
        if (t == null) {
            return;
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < received; i++) {
            t.record(Math.max(0, now - receivedMillis[i]), TimeUnit.MILLISECONDS);
        }
    }
}
