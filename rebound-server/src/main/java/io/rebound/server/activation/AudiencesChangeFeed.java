package io.rebound.server.activation;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.destinations.delivery.ChangeFeed;
import io.rebound.server.audience.Audiences;

import java.util.List;
import java.util.Objects;

/** The change feed over the audiences port's membership change log (embedded or cluster alike). */
public final class AudiencesChangeFeed implements ChangeFeed {
    private final Audiences audiences;

    public AudiencesChangeFeed(Audiences audiences) {
        this.audiences = Objects.requireNonNull(audiences, "audiences");
    }

    @Override
    public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
        return audiences.reader().changes(storeId, segmentId, after, limit);
    }
}
