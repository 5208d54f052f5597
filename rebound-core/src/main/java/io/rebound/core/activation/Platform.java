package io.rebound.core.activation;

import java.util.Locale;

/**
 * The ad platforms Rebound activates audiences on. Each has its own identifier normalisation
 * ({@link IdentifierRules}), its own request limits ({@link PlatformLimits}) and its own consent
 * fields ({@link ConsentDecision}); the wire formats live in {@code rebound-destinations}.
 */
public enum Platform {
    META,
    GOOGLE,
    TIKTOK,
    PINTEREST;

    private final String id = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in the API and configuration ({@code "meta"}, …). */
    public String id() {
        return id;
    }
}
