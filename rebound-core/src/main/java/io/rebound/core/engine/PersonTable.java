package io.rebound.core.engine;

import java.util.List;

/**
 * Port: person states by (store, person). Embedded: RocksDB column family keyed
 * {@code store \0 person} holding {@link PersonStateCodec} bytes; cluster: a Kafka Streams store.
 */
public interface PersonTable {

    /** The person's state, or null when unknown. */
    PersonState get(String storeId, String personId);

    void put(PersonState state);

    void delete(String storeId, String personId);

    /** Every person id of a store, for backfills. */
    List<String> personIds(String storeId);
}
