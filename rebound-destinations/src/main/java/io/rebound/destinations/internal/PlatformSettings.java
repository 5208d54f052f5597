package io.rebound.destinations.internal;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;

/** What {@link PlatformDestination} reads of every platform's settings record. */
public interface PlatformSettings {

    /** The store's consent policy. */
    ConsentPolicy policy();

    /** The platform's identifier rules ({@link ConfigChecks#rules} refuses another platform's). */
    IdentifierRules rules();

    /** The platform the settings are for: their identifier rules'. */
    default Platform platform() {
        return rules().platform();
    }
}
