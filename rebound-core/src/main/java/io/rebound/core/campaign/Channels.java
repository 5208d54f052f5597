package io.rebound.core.campaign;

import java.util.List;

/**
 * Where a campaign reaches its members.
 *
 * @param ads        ids of the store's activation destinations the segment is synced to (may be empty)
 * @param email      whether the campaign's touches are also emailed (its {@link Flow})
 * @param onsite     whether the decision API answers for it
 * @param placements the on-site placements it answers for; empty means every placement
 */
public record Channels(List<String> ads, boolean email, boolean onsite, List<String> placements) {
    public Channels {
        ads = List.copyOf(ads);
        placements = List.copyOf(placements);
    }

    /** True if the decision API may answer {@code placement} with this campaign. */
    public boolean servesPlacement(String placement) {
        return onsite && (placements.isEmpty() || placements.contains(placement));
    }
}
