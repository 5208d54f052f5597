/**
 * The pure rules of campaigns: the campaign definition and its JSON format
 * ({@link io.rebound.core.campaign.CampaignDefinitions}), the holdout split
 * ({@link io.rebound.core.campaign.Holdout}) and the decision of which touch and offer a person is
 * due ({@link io.rebound.core.campaign.OfferSequencer}). No I/O and no clock: the caller passes the
 * person's situation and {@code now}, and stores what the decision says to store.
 */
package io.rebound.core.campaign;
