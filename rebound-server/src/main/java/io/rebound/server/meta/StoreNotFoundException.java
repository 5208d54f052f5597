package io.rebound.server.meta;

import java.util.NoSuchElementException;

/** No store has this id; the HTTP layer answers 404 {@code store_not_found}. */
public final class StoreNotFoundException extends NoSuchElementException {
    private final String storeId;

    public StoreNotFoundException(String storeId) {
        super("no store with id '" + storeId + "'");
        this.storeId = storeId;
    }

    public String storeId() {
        return storeId;
    }
}
