package io.rebound.server.campaign;

import io.rebound.core.campaign.AdHoldouts;
import io.rebound.destinations.delivery.Withholding;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The campaigns' holdouts as the list sync applies them ({@link AdHoldouts}): for a destination, the
 * {@link Withholding} that keeps every campaign's holdout off the segments the campaign lists the
 * destination for. Each store's campaigns (active and paused) are read at most once per
 * {@link #TTL_MILLIS} per node, so a change of a campaign's share or ads channel reaches every node's
 * sync within that. Each rule carries the last change of a campaign on its segment, so that a worker
 * starting after a change it never saw reconciles at once.
 */
public final class CampaignHoldouts {
    /** How long a store's campaigns are kept before they are read again. */
    static final long TTL_MILLIS = 5_000;

    private final JdbcCampaigns campaigns;
    private final Clock clock;
    private final Map<String, Cached> byStore = new ConcurrentHashMap<>();

    private record Cached(List<CampaignRecord> campaigns, long loadedAtMillis) {
    }

    public CampaignHoldouts(JdbcCampaigns campaigns, Clock clock) {
        this.campaigns = Objects.requireNonNull(campaigns, "campaigns");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What the destination's sync withholds, segment by segment. */
    public Withholding forDestination(String destinationId) {
        return (storeId, segmentId) -> {
            List<CampaignRecord> all = campaigns(storeId);
            List<AdHoldouts.Split> splits = AdHoldouts.splits(all.stream()
                    .map(r -> new AdHoldouts.Campaign(r.id(), r.definition())).toList(), destinationId, segmentId);
            // The last change of a campaign on the segment, whatever its ads (one may just have dropped this
            // destination); a deleted campaign leaves no trace here, and waits for the interval.
            Instant changedAt = all.stream().filter(r -> r.definition().segmentId().equals(segmentId))
                    .map(CampaignRecord::updatedAt).max(Comparator.naturalOrder()).orElse(null);
            return splits.isEmpty() ? new Withholding.Rule("", person -> false, changedAt)
                    : new Withholding.Rule(splits.toString(), person -> AdHoldouts.withheld(splits, person), changedAt);
        };
    }

    private List<CampaignRecord> campaigns(String storeId) {
        long now = clock.millis();
        Cached c = byStore.get(storeId);
        if (c == null || now - c.loadedAtMillis() >= TTL_MILLIS || now < c.loadedAtMillis()) {
            c = new Cached(campaigns.list(storeId), now);
            byStore.put(storeId, c);
        }
        return c.campaigns();
    }
}
