package io.rebound.server.audience;

import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.core.engine.PersonTable;

import java.util.ArrayList;
import java.util.List;

/** {@link PersonTable} in {@link AudienceColumns#PERSONS}, through the current unit of work. */
final class RocksPersonTable implements PersonTable {
    /** Most store and segment ids {@link #known} holds. */
    private static final int MAX_KNOWN = 32;

    private final UnitOfWork uow;
    /**
     * Store and segment ids met in decoded states: a state holding one of them shares it instead of
     * decoding a copy of its own (each event decoded its person's store id and every segment id anew).
     */
    private String[] known = new String[0];

    RocksPersonTable(UnitOfWork uow) {
        this.uow = uow;
    }

    @Override
    public PersonState get(String storeId, String personId) {
        byte[] b = uow.get(AudienceColumns.PERSONS, uow.personKeys.of(storeId, personId));
        if (b == null) {
            return null;
        }
        PersonState state = PersonStateCodec.decode(b, personId, known);
        learn(state.storeId());
        for (String segment : state.segments().keySet()) {
            learn(segment);
        }
        return state;
    }

    private void learn(String s) {
        for (String k : known) {
            if (k == s) {
                return;
            }
        }
        if (known.length < MAX_KNOWN) {
            known = java.util.Arrays.copyOf(known, known.length + 1);
            known[known.length - 1] = s;
        }
    }

    @Override
    public void put(PersonState state) {
        uow.put(AudienceColumns.PERSONS, uow.personKeys.of(state.storeId(), state.personId()),
                PersonStateCodec.encode(state));
    }

    /** Stores {@code state} as {@code encoded}, its {@link PersonStateCodec} bytes already made. */
    void put(PersonState state, byte[] encoded) {
        uow.put(AudienceColumns.PERSONS, uow.personKeys.of(state.storeId(), state.personId()), encoded);
    }

    @Override
    public void delete(String storeId, String personId) {
        uow.delete(AudienceColumns.PERSONS, uow.personKeys.of(storeId, personId));
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
