package io.rebound.server.audience;

/**
 * How many segments one store may have ({@code segments-per-store}, default 100). Every segment
 * is evaluated on every event of its store and keeps its own member index, so an unbounded number
 * would let one store's key slow down the whole server. Checked before a create, by the API and
 * the dashboard alike; two creates racing past the check can overshoot by one each, which is
 * harmless.
 */
public final class SegmentLimit {
    public static final int DEFAULT = 100;

    private SegmentLimit() {
    }

    /** What a refused create says: the store, the limit and the setting that raises it. */
    public static String message(String storeId, int count, int limit) {
        return "store '" + storeId + "' has " + count + " segments, the most a store may have (" + limit
                + ", setting segments-per-store); delete a segment before creating another";
    }
}
