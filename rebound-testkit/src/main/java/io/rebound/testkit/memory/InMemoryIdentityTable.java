package io.rebound.testkit.memory;

import io.rebound.core.engine.IdentityTable;

import java.util.HashMap;
import java.util.Map;

/** {@link IdentityTable} in a map. */
public final class InMemoryIdentityTable implements IdentityTable {
    private final Map<String, String> links = new HashMap<>();

    private static String key(String storeId, String idKey) {
        return storeId + '\0' + idKey;
    }

    @Override
    public String personOf(String storeId, String idKey) {
        return links.get(key(storeId, idKey));
    }

    @Override
    public void link(String storeId, String idKey, String personId) {
        links.put(key(storeId, idKey), personId);
    }

    @Override
    public void unlink(String storeId, String idKey) {
        links.remove(key(storeId, idKey));
    }
}
