/**
 * Campaigns in the server: definitions, issued offers, caps and decision counts in the metadata
 * database ({@link io.rebound.server.campaign.JdbcCampaigns}), the campaign API
 * ({@link io.rebound.server.campaign.CampaignApi}) and the decision API
 * ({@link io.rebound.server.campaign.DecisionApi}) around the core's
 * {@link io.rebound.core.campaign.OfferSequencer}.
 */
package io.rebound.server.campaign;
