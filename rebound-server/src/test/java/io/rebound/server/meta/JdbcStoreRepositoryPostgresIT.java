package io.rebound.server.meta;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store repository contract on PostgreSQL, in a database of its own that is dropped afterwards. */
class JdbcStoreRepositoryPostgresIT extends StoreRepositoryContract {
    private static PostgresTestDatabase pg;

    @BeforeAll
    static void createDatabase() {
        pg = PostgresTestDatabase.create();
    }

    @AfterAll
    static void dropDatabase() {
        if (pg != null) {
            pg.drop();
        }
    }

    @Override
    protected Database openDatabase() {
        return Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
    }

    @Override
    protected boolean expectPostgres() {
        return true;
    }
}
