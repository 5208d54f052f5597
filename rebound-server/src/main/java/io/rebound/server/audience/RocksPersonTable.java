package io.rebound.server.audience;

import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.core.engine.PersonTable;

import java.util.ArrayList;
import java.util.List;

/** {@link PersonTable} in {@link AudienceColumns#PERSONS}, through the current unit of work. */
final class RocksPersonTable implements PersonTable {
    private final UnitOfWork uow;

    RocksPersonTable(UnitOfWork uow) {
        this.uow = uow;
    }

    @Override
    public PersonState get(String storeId, String personId) {
        byte[] b = uow.get(AudienceColumns.PERSONS, AudienceKeys.person(storeId, personId));
        return b == null ? null : PersonStateCodec.decode(b);
    }

    @Override
    public void put(PersonState state) {
        uow.put(AudienceColumns.PERSONS, AudienceKeys.person(state.storeId(), state.personId()),
                PersonStateCodec.encode(state));
    }

    /** Stores {@code state} as {@code encoded}, its {@link PersonStateCodec} bytes already made. */
    void put(PersonState state, byte[] encoded) {
        uow.put(AudienceColumns.PERSONS, AudienceKeys.person(state.storeId(), state.personId()), encoded);
    }

    @Override
    public void delete(String storeId, String personId) {
        uow.delete(AudienceColumns.PERSONS, AudienceKeys.person(storeId, personId));
    }

    @Override
    public List<String> personIds(String storeId) {
        List<String> ids = new ArrayList<>();
        uow.scan(AudienceColumns.PERSONS, AudienceKeys.store(storeId), AudienceKeys.store(storeId), (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            ids.add(r.str());
            return true;
        });
        return ids;
    }
}
