package io.rebound.destinations.delivery;

import io.rebound.core.engine.MembershipTable.LoggedChange;

import java.util.List;

/**
 * A segment's membership change log, read by sequence: entries with sequence greater than
 * {@code after}, oldest first, at most {@code limit}. The log is durable, so a consumer keeps
 * nothing in memory between reads: its cursor is all it needs to resume.
 */
@FunctionalInterface
public interface ChangeFeed {

    List<LoggedChange> changes(String storeId, String segmentId, long after, int limit);
}
