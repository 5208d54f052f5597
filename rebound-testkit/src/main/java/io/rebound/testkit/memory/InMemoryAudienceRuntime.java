package io.rebound.testkit.memory;

import io.rebound.core.engine.AudienceEngine;

import java.time.Instant;

/**
 * The reference runtime: {@link AudienceEngine} over in-memory ports. Behavioural tests run
 * against it; the embedded and Kafka runtimes must behave identically.
 */
public final class InMemoryAudienceRuntime extends AudienceEngine {

    /** A runtime whose clock starts at {@code start}. */
    public InMemoryAudienceRuntime(Instant start) {
        super(new InMemoryPersonTable(), new InMemoryIdentityTable(), new InMemoryTimerTable(),
                new InMemoryMembershipTable(), start);
    }

    public InMemoryAudienceRuntime() {
        this(Instant.EPOCH);
    }
}
