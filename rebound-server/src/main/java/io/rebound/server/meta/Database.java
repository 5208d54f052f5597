package io.rebound.server.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The metadata database: an embedded H2 file in PostgreSQL mode by default, PostgreSQL when
 * configured. Opening it migrates the schema with Flyway from {@code classpath:db/migration};
 * the same migrations run on both, so they are written in the SQL both understand
 * ({@code MERGE}, not {@code ON CONFLICT}; {@code getGeneratedKeys}, not {@code RETURNING}).
 *
 * <p>The embedded database is opened by one process only: no H2 TCP server ({@code AUTO_SERVER}
 * would listen on every interface, guarded only by the default user), so while {@code rebound
 * serve} runs, another process opening the same file gets {@link InUseException}; the CLI then
 * says to use the HTTP API (see {@code rebound stores}).
 */
public final class Database implements AutoCloseable {
    /** Where the migrations live; V1 stores and keys, V2 segments, V3 dashboard users. */
    public static final String MIGRATIONS = "classpath:db/migration";

    private static final String H2_OPTIONS =
            ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    /** H2's "Database may be already in use" (the file is locked by another process). */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;

    /** The embedded database file is held by another process, normally a running server. */
    public static final class InUseException extends IllegalStateException {
        InUseException(Path dir, Throwable cause) {
            super("the metadata database in " + dir + " is in use by another process (a running Rebound server?)",
                    cause);
        }
    }

    private final HikariDataSource dataSource;
    private final boolean postgres;

    private Database(HikariDataSource dataSource, boolean postgres) {
        this.dataSource = dataSource;
        this.postgres = postgres;
    }

    /** The embedded H2 database in {@code <dataDir>/meta.mv.db}, created and migrated as needed. */
    public static Database embedded(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir, e);
        }
        try {
            return open("jdbc:h2:file:" + dir.resolve("meta") + H2_OPTIONS, "sa", "");
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.sql.SQLException sql && sql.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
                    throw new InUseException(dir, e);
                }
                if (t.getCause() == t) {
                    break;
                }
            }
            throw e;
        }
    }

    /**
     * {@code jdbcUrl} fit for a log or a console: a password in it ({@code password=…} parameter,
     * {@code user:password@} in the authority, H2's {@code ;PASSWORD=…}) replaced by {@code ***}.
     */
    public static String redact(String jdbcUrl) {
        if (jdbcUrl == null) {
            return null;
        }
        String s = jdbcUrl.replaceAll("(?i)((?:^|[?&;])[a-z]*password=)[^&;]*", "$1***");
        return s.replaceAll("(//[^/@?#]*?:)[^/@?#]*@", "$1***@");
    }

    /**
     * A database by JDBC URL: {@code jdbc:postgresql://host:5432/rebound} in production, or any
     * H2 URL (tests). {@code user} and {@code password} may be null.
     */
    public static Database open(String jdbcUrl, String user, String password) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        boolean postgres = lower.startsWith("jdbc:postgresql:");
        if (!postgres && !lower.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException("unsupported database URL '" + redact(jdbcUrl)
                    + "': use jdbc:postgresql://host:port/database (or jdbc:h2:... for embedded)");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName(postgres ? "rebound-meta-pg" : "rebound-meta-h2");
        // The admin APIs, the decision API and recommendations read it per request (key checks, offers,
        // caps), the workers beside them: enough connections that 16-20 concurrent requests rarely wait.
        config.setMaximumPoolSize(postgres ? 10 : 8);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(config);
        try {
            migrate(ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, postgres);
    }

    private static void migrate(DataSource ds) {
        Flyway.configure()
                .dataSource(ds)
                .locations(MIGRATIONS)
                .failOnMissingLocations(true)
                .load()
                .migrate();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public boolean isPostgres() {
        return postgres;
    }

    /**
     * True when this process is the only one that can write to {@code dataSource}: an embedded H2
     * file or memory database, which H2 locks to one process (not H2 in server or auto-server mode,
     * not PostgreSQL). What this process last wrote there is then what is there, so a cache that
     * every write of this process updates is exact.
     */
    public static boolean onlyWriter(DataSource dataSource) {
        String url = dataSource instanceof HikariDataSource h ? h.getJdbcUrl() : null;
        if (url == null) {
            return false;
        }
        String u = url.toLowerCase(java.util.Locale.ROOT);
        return (u.startsWith("jdbc:h2:file:") || u.startsWith("jdbc:h2:mem:"))
                && !u.contains("auto_server=true");
    }

    /** The JDBC URL this database was opened with, any password in it redacted ({@link #redact}). */
    public String jdbcUrl() {
        return redact(dataSource.getJdbcUrl());
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
