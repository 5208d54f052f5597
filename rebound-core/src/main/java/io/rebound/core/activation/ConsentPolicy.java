package io.rebound.core.activation;

/**
 * A store's consent settings for activation.
 *
 * @param requireStatedConsent send a person's data only when their events stated consent (stores
 *                             that must collect consent before advertising, e.g. in the EEA); a
 *                             person who never stated anything is then withheld
 * @param limitedDataUse       flag every row and event for limited processing (Meta Limited Data Use,
 *                             Pinterest Limited Data Processing), as stores under US state privacy
 *                             laws may have to; the platforms geolocate the person themselves
 */
public record ConsentPolicy(boolean requireStatedConsent, boolean limitedDataUse) {

    /** No stated consent required, no limited-processing flags. */
    public static final ConsentPolicy DEFAULT = new ConsentPolicy(false, false);
}
