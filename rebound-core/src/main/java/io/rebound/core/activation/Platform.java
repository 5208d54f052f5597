package io.rebound.core.activation;

/**
 * The ad platforms Rebound activates audiences on. Each has its own identifier normalisation
 * ({@link IdentifierRules}), its own request limits ({@link PlatformLimits}) and its own consent
 * fields ({@link ConsentDecision}); the wire formats live in {@code rebound-destinations}.
 */
public enum Platform {
    META("meta"),
    GOOGLE("google"),
    TIKTOK("tiktok"),
    PINTEREST("pinterest");

    private final String id;

    Platform(String id) {
        this.id = id;
    }

    /** The lower-case name used in the API and configuration ({@code "meta"}, …). */
    public String id() {
        return id;
    }
}
