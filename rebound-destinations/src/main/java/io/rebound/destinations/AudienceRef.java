package io.rebound.destinations;

import io.rebound.core.activation.Platform;

import java.util.Objects;

/**
 * A platform audience Rebound syncs a segment to.
 *
 * @param platform    the platform
 * @param id          what additions and removals target: Meta custom audience id, Google user list id,
 *                    TikTok custom audience id, Pinterest customer list id
 * @param targetingId what ads target when it differs from {@code id} (the Pinterest audience made
 *                    from the customer list); otherwise equal to {@code id}
 */
public record AudienceRef(Platform platform, String id, String targetingId) {
    public AudienceRef {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(id, "id");
        targetingId = targetingId == null ? id : targetingId;
    }

    public static AudienceRef of(Platform platform, String id) {
        return new AudienceRef(platform, id, id);
    }
}
