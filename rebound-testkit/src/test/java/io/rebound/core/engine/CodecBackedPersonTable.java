package io.rebound.core.engine;

import io.rebound.testkit.memory.InMemoryIdentityTable;
import io.rebound.testkit.memory.InMemoryMembershipTable;
import io.rebound.testkit.memory.InMemoryTimerTable;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A person store that keeps only {@link PersonStateCodec} bytes, as RocksDB and Kafka Streams will:
 * running the contract and the differential test over it proves the persisted form is complete.
 */
final class CodecBackedPersonTable implements PersonTable {
    private final Map<String, Map<String, byte[]>> stores = new HashMap<>();

    static AudienceRuntime runtime() {
        return new AudienceEngine(new CodecBackedPersonTable(), new InMemoryIdentityTable(), new InMemoryTimerTable(),
                new InMemoryMembershipTable(), Instant.EPOCH);
    }

    @Override
    public PersonState get(String storeId, String personId) {
        byte[] bytes = stores.getOrDefault(storeId, Map.of()).get(personId);
        return bytes == null ? null : PersonStateCodec.decode(bytes);
    }

    @Override
    public void put(PersonState state) {
        stores.computeIfAbsent(state.storeId(), k -> new TreeMap<>()).put(state.personId(), PersonStateCodec.encode(state));
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
