package io.rebound.core.engine;

/**
 * Port: the alias map from identity keys ({@link PersonIds#anonymousKey}, {@link PersonIds#userKey},
 * {@link PersonIds#emailKey}) to the person they belong to, per store.
 */
public interface IdentityTable {

    /** The person an identity key belongs to, or null. */
    String personOf(String storeId, String idKey);

    void link(String storeId, String idKey, String personId);

    void unlink(String storeId, String idKey);
}
