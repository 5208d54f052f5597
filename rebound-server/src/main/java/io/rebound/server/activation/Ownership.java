package io.rebound.server.activation;

/**
 * Which node runs a destination's sync worker. On one embedded server every destination is its own;
 * in cluster mode one node at a time holds a destination ({@link PostgresOwnership}), and another takes
 * it over when that node dies.
 */
public interface Ownership extends AutoCloseable {

    /** Claims {@code destinationId} for this node; true when this node holds it (again, or newly). */
    boolean acquire(String destinationId);

    /** Gives {@code destinationId} up, so another node may take it. */
    void release(String destinationId);

    /**
     * Whether the claims held are still held. False when they may have been lost (the database
     * connection broke): the caller stops every worker, then {@link #reset()}s and claims again.
     */
    boolean healthy();

    /** Forgets every claim and starts over (after {@link #healthy()} said false). */
    void reset();

    @Override
    void close();

    /** Every destination is this node's: one embedded server. */
    static Ownership single() {
        return new Ownership() {
            @Override
            public boolean acquire(String destinationId) {
                return true;
            }

            @Override
            public void release(String destinationId) {
            }

            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public void reset() {
            }

            @Override
            public void close() {
            }
        };
    }
}
