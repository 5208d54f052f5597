package io.rebound.destinations.delivery;

import java.util.List;

/**
 * A segment's current members, read page by page in person-id order: what a full reconciliation
 * compares the platform list with.
 */
@FunctionalInterface
public interface SegmentMembers {

    /** Up to {@code limit} member person ids after {@code afterPerson} (null: from the first), in order. */
    List<String> after(String storeId, String segmentId, String afterPerson, int limit);
}
