package io.rebound.server.audience;

import io.rebound.core.engine.IdentityTable;

import java.nio.charset.StandardCharsets;

/** {@link IdentityTable} in {@link AudienceColumns#IDENTITIES}, through the current unit of work. */
final class RocksIdentityTable implements IdentityTable {
    private final UnitOfWork uow;

    RocksIdentityTable(UnitOfWork uow) {
        this.uow = uow;
    }

    @Override
    public String personOf(String storeId, String idKey) {
        byte[] b = uow.get(AudienceColumns.IDENTITIES, AudienceKeys.identity(storeId, idKey));
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void link(String storeId, String idKey, String personId) {
        uow.put(AudienceColumns.IDENTITIES, AudienceKeys.identity(storeId, idKey), personId.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void unlink(String storeId, String idKey) {
        uow.delete(AudienceColumns.IDENTITIES, AudienceKeys.identity(storeId, idKey));
    }
}
