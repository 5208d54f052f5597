package io.rebound.server.meta;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * A throw-away database on the PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth; override
 * with {@code REBOUND_TEST_PG_HOST}/{@code _PORT}/{@code _USER}). Created under a unique name and
 * dropped by {@link #drop()}.
 */
public final class PostgresTestDatabase {
    private static final String HOST = env("REBOUND_TEST_PG_HOST", "127.0.0.1");
    private static final String PORT = env("REBOUND_TEST_PG_PORT", "5432");
    public static final String USER = env("REBOUND_TEST_PG_USER", "postgres");

    private final String name;

    private PostgresTestDatabase(String name) {
        this.name = name;
    }

    public static PostgresTestDatabase create() {
        String name = "rebound_test_" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36)
                .toLowerCase(Locale.ROOT);
        admin("CREATE DATABASE " + name);
        return new PostgresTestDatabase(name);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + name;
    }

    public String name() {
        return name;
    }

    public void drop() {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static void admin(String sql) {
        String url = "jdbc:postgresql://" + HOST + ":" + PORT + "/postgres";
        try (Connection c = DriverManager.getConnection(url, USER, null); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + url + " is needed for this test (" + sql + "): "
                    + e.getMessage(), e);
        }
    }

    private static String env(String key, String dflt) {
        String v = System.getenv(key);
        return v == null || v.isBlank() ? dflt : v;
    }
}
