package io.rebound.server.meta;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The store repository contract on the embedded H2 database, in a fresh data directory per test. */
class H2StoreRepositoryTest extends StoreRepositoryContract {
    @TempDir
    Path dataDir;

    @Override
    protected Database openDatabase() {
        return Database.embedded(dataDir);
    }

    @Override
    protected boolean expectPostgres() {
        return false;
    }
}
