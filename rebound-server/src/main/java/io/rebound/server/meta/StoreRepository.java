package io.rebound.server.meta;

import io.rebound.core.store.Store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Stores and their keys, in the metadata database (H2 embedded, PostgreSQL in production).
 * Lookups by write key are on the collector's hot path and are served from memory.
 * Secret keys are kept only as SHA-256 hashes: a secret is shown once, when created or rotated.
 */
public interface StoreRepository {

    /** A new store together with its secret key in the clear (the only time it is visible). */
    record Created(Store store, String secretKey) {
    }

    Created create(String name, boolean consentRequired);

    Optional<Store> byId(String storeId);

    Optional<Store> byWriteKey(String writeKey);

    /**
     * {@link #byWriteKey} for an event loop: completes at once when the answer is in memory, else
     * later, from a lookup on another thread. Fails (rather than queue without bound) when too
     * many lookups are waiting. This default suits repositories that never block.
     */
    default CompletionStage<Optional<Store>> lookupWriteKey(String writeKey) {
        return CompletableFuture.completedFuture(byWriteKey(writeKey));
    }

    /** The store whose secret key this is; constant-time against the stored hash. */
    Optional<Store> bySecretKey(String secretKey);

    List<Store> list();

    /** Replaces the secret key; the old one stops working at once. */
    String rotateSecretKey(String storeId);

    Store update(String storeId, String name, boolean consentRequired, int retentionDays);
}
