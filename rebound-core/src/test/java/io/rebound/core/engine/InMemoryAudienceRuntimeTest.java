package io.rebound.core.engine;

import io.rebound.core.engine.memory.InMemoryAudienceRuntime;

class InMemoryAudienceRuntimeTest extends AudienceRuntimeContract {
    @Override
    protected AudienceRuntime newRuntime() {
        return new InMemoryAudienceRuntime();
    }
}
