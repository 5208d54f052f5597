package io.rebound.testkit.memory;

import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonTable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@link PersonTable} in a map; the reference for tests and the demo. */
public final class InMemoryPersonTable implements PersonTable {
    private final Map<String, Map<String, PersonState>> stores = new HashMap<>();

    @Override
    public PersonState get(String storeId, String personId) {
        return stores.getOrDefault(storeId, Map.of()).get(personId);
    }

    @Override
    public void put(PersonState state) {
        stores.computeIfAbsent(state.storeId(), k -> new TreeMap<>()).put(state.personId(), state);
    }

    @Override
    public void delete(String storeId, String personId) {
        stores.getOrDefault(storeId, new HashMap<>()).remove(personId);
    }

    @Override
    public List<String> personIds(String storeId) {
        return List.copyOf(stores.getOrDefault(storeId, Map.of()).keySet());
    }
}
