package io.rebound.core.campaign;

import java.time.Instant;
import java.util.List;

/**
 * Everything {@link OfferSequencer} knows of one person in one campaign.
 *
 * @param campaignId  the campaign's id (the holdout split is keyed by it)
 * @param campaign    the campaign's definition
 * @param personId    the person
 * @param joinedAt    when the person's current membership in the campaign's segment began, or null
 *                    when the person is not a member
 * @param convertedAt the person's latest purchase, or null when none is known
 * @param offers      every offer the person was given in any campaign of the store
 * @param products    prices and costs of the products the due touch would show
 * @param shownToday  touches of this campaign the person was shown on the current UTC day
 */
public record Situation(String campaignId, CampaignDefinition campaign, String personId, Instant joinedAt,
                        Instant convertedAt, List<IssuedOffer> offers, List<ProductPrice> products, int shownToday) {
    public Situation {
        offers = List.copyOf(offers);
        products = List.copyOf(products);
    }
}
