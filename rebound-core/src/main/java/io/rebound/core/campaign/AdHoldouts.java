package io.rebound.core.campaign;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Who a segment's sync to an ad destination withholds: the {@link Holdout} of every campaign on that
 * segment whose ads channel ({@link Channels#ads()}) lists the destination, paused or not (a paused
 * campaign keeps its holdout, so the measurement group does not flicker onto the platform and off
 * again). A person held out of any one of them is withheld from the destination's customer list and
 * from its membership events for that segment; a campaign that does not list the destination holds
 * nobody back from it. This is the one place the rule is written: the list sync, its full
 * reconciliation, the seed of a new platform audience and a dead letter's retry all ask it.
 */
public final class AdHoldouts {

    private AdHoldouts() {
    }

    /** A campaign as the rule needs it: its id (the holdout is keyed by it) and its definition. */
    public record Campaign(String id, CampaignDefinition definition) {
    }

    /**
     * One campaign's split that applies to a (destination, segment).
     *
     * @param campaignId  the campaign
     * @param basisPoints its holdout share, 0..10,000
     */
    public record Split(String campaignId, int basisPoints) {
    }

    /**
     * The splits that apply to the segment's sync to the destination, in campaign-id order (so two
     * reads of the same campaigns give equal lists: a change of the list is a change of the rule).
     * Campaigns with a zero share are left out: they hold nobody back.
     */
    public static List<Split> splits(Collection<Campaign> campaigns, String destinationId, String segmentId) {
        return campaigns.stream()
                .filter(c -> c.definition().segmentId().equals(segmentId)
                        && c.definition().channels().ads().contains(destinationId)
                        && c.definition().holdoutBasisPoints() > 0)
                .map(c -> new Split(c.id(), c.definition().holdoutBasisPoints()))
                .sorted(Comparator.comparing(Split::campaignId))
                .toList();
    }

    /** Whether any of the splits holds the person out. */
    public static boolean withheld(List<Split> splits, String personId) {
        for (Split s : splits) {
            if (Holdout.isHeldOut(s.campaignId(), personId, s.basisPoints())) {
                return true;
            }
        }
        return false;
    }
}
