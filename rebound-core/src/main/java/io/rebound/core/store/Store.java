package io.rebound.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant: one shop. Every event, segment and key belongs to exactly one store.
 *
 * @param id              stable id, e.g. {@code st_4f9c...}
 * @param name            display name
 * @param writeKey        public key, safe in a browser; it can only write events
 * @param consentRequired when true, nothing identifying is kept unless the visitor consented
 * @param retentionDays   how long events are kept: the store's longest audience window (1..540)
 * @param createdAt       creation instant
 */
public record Store(String id, String name, String writeKey, boolean consentRequired, int retentionDays,
                    Instant createdAt) {
    public static final int DEFAULT_RETENTION_DAYS = 180;
    public static final int MAX_RETENTION_DAYS = 540;

    public Store {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(writeKey, "writeKey");
        if (retentionDays < 1 || retentionDays > MAX_RETENTION_DAYS) {
            throw new IllegalArgumentException("retentionDays must be within 1.." + MAX_RETENTION_DAYS);
        }
    }
}
