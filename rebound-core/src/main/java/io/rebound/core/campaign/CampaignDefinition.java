package io.rebound.core.campaign;

import java.util.List;

/**
 * A campaign as its owner defines it (docs/campaigns.md): the segment it addresses, its channels,
 * the ordered touches, the daily cap per person and the holdout share. Built valid by
 * {@link CampaignDefinitions#parse}.
 *
 * @param name              1..200 characters
 * @param segmentId         the store's segment whose members the campaign addresses
 * @param channels          ads destinations, email, on-site
 * @param touches           1..{@value CampaignDefinitions#MAX_TOUCHES} touches, strictly later one after another
 * @param capPerPersonPerDay how many touches one person is shown per UTC day, across channels, 1..100
 * @param holdoutBasisPoints the holdout share in hundredths of a percent, 0..5000 (0–50 %)
 * @param flow               the kind of flow ({@link Flow}): what a purchase means and what the email shows
 */
public record CampaignDefinition(String name, String segmentId, Channels channels, List<Touch> touches,
                                 int capPerPersonPerDay, int holdoutBasisPoints, Flow flow) {
    public CampaignDefinition {
        touches = List.copyOf(touches);
        flow = flow == null ? Flow.ABANDONED_CART : flow;
    }

    /** An abandoned-cart campaign (the default flow). */
    public CampaignDefinition(String name, String segmentId, Channels channels, List<Touch> touches,
                              int capPerPersonPerDay, int holdoutBasisPoints) {
        this(name, segmentId, channels, touches, capPerPersonPerDay, holdoutBasisPoints, Flow.ABANDONED_CART);
    }
}
