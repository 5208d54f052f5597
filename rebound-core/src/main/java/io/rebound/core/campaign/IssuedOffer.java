package io.rebound.core.campaign;

import java.time.Instant;

/**
 * An offer code a person was given: once per (campaign, person, touch), valid in
 * {@code [issuedAt, expiresAt)}.
 *
 * @param campaignId the campaign that issued it
 * @param touch      the index of the touch in the campaign's sequence
 * @param code       the single-use code
 */
public record IssuedOffer(String campaignId, int touch, String code, Instant issuedAt, Instant expiresAt) {

    /** True while the code can be redeemed. */
    public boolean activeAt(Instant now) {
        return !now.isBefore(issuedAt) && now.isBefore(expiresAt);
    }
}
