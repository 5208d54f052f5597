package io.rebound.core.engine;

import io.rebound.testkit.memory.InMemoryAudienceRuntime;

class InMemoryAudienceRuntimeTest extends AudienceRuntimeContract {
    @Override
    protected AudienceRuntime newRuntime() {
        return new InMemoryAudienceRuntime();
    }
}
