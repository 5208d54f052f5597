package io.rebound.server.campaign;

import io.rebound.core.JsonName;
import io.rebound.core.campaign.CampaignDefinition;

import java.time.Instant;

/** A stored campaign: its definition and whether the decision API serves it. */
public record CampaignRecord(String id, String storeId, CampaignDefinition definition, Status status,
                             Instant createdAt, Instant updatedAt) {

    /** Active campaigns are served; paused ones keep their codes, counts and holdout. */
    public enum Status implements JsonName {
        ACTIVE, PAUSED
    }
}
