package io.rebound.core.event;

/**
 * Consent signals that travelled with an event: Google Consent Mode v2's four signals
 * (null = not stated), Global Privacy Control, and whether the store requires consent.
 * Everything downstream asks {@link #allowsIdentifiers()} and {@link #allowsAdvertising()}
 * rather than reading the raw flags.
 */
public record Consent(Boolean adStorage, Boolean adUserData, Boolean adPersonalization,
                      Boolean analyticsStorage, boolean globalPrivacyControl) {

    public static final Consent UNSTATED = new Consent(null, null, null, null, false);

    /** Identifiers (email hash, user id, click ids) may be kept for advertising. */
    public boolean allowsIdentifiers() {
        return !globalPrivacyControl && !Boolean.FALSE.equals(adUserData);
    }

    /** The visitor may be put in advertising audiences. */
    public boolean allowsAdvertising() {
        return !globalPrivacyControl && !Boolean.FALSE.equals(adStorage)
                && !Boolean.FALSE.equals(adPersonalization);
    }

    public boolean isUnstated() {
        return adStorage == null && adUserData == null && adPersonalization == null
                && analyticsStorage == null && !globalPrivacyControl;
    }
}
