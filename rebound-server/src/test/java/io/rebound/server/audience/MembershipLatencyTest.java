package io.rebound.server.audience;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class MembershipLatencyTest {
    @Test
    void aUnitOfManyReadsRecordsEveryEvent() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        MembershipLatency latency = new MembershipLatency(4);
        latency.registerIn(metrics);
        Instant received = Instant.now().minusMillis(50);
        for (int unit = 0; unit < 2; unit++) {
            latency.reset();
            for (int i = 0; i < 10_000; i++) {
                latency.received(received);
            }
            latency.record();
        }
        Timer timer = metrics.get("rebound.audience.event.to.membership").timer();
        assertThat(timer.count()).isEqualTo(20_000);
        assertThat(timer.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
    }
}
