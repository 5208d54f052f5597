package io.rebound.destinations;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;

import java.util.Objects;

/**
 * One segment member to add to or remove from a platform list.
 *
 * @param personId the person, for reports
 * @param contact  their identifiers (raw or hashed)
 * @param consent  their advertising consent
 */
public record Member(String personId, Contact contact, AdConsent consent) {
    public Member {
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(contact, "contact");
        consent = consent == null ? AdConsent.UNSTATED : consent;
    }
}
