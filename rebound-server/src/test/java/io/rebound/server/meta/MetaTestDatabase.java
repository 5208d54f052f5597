package io.rebound.server.meta;

import java.nio.file.Path;

/**
 * The metadata database of a test that runs on both kinds: embedded H2 in a folder ({@code "h2"}) or
 * a fresh PostgreSQL database ({@code "postgresql"} or {@code "postgres"}). Closing it closes the pool and drops the
 * PostgreSQL database.
 */
public final class MetaTestDatabase implements AutoCloseable {
    private final Database database;
    private final PostgresTestDatabase pg;

    private MetaTestDatabase(Database database, PostgresTestDatabase pg) {
        this.database = database;
        this.pg = pg;
    }

    /** {@code kind} "h2" (its files in {@code dir}), "postgresql" or "postgres". */
    public static MetaTestDatabase open(String kind, Path dir) {
        return switch (kind) {
            case "h2" -> new MetaTestDatabase(Database.embedded(dir), null);
            case "postgres", "postgresql" -> {
                PostgresTestDatabase pg = PostgresTestDatabase.create();
                yield new MetaTestDatabase(Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null), pg);
            }
            default -> throw new IllegalArgumentException("no database kind " + kind);
        };
    }

    public Database database() {
        return database;
    }

    @Override
    public void close() {
        database.close();
        if (pg != null) {
            pg.drop();
        }
    }
}
