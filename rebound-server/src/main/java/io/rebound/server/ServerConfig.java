package io.rebound.server;

import io.rebound.server.cluster.ClusterConfig;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a Rebound server needs to start. Read from a properties file and then from
 * {@code REBOUND_*} environment variables, which win (twelve-factor style): {@code port} ↔
 * {@code REBOUND_PORT}, {@code data-dir} ↔ {@code REBOUND_DATA_DIR}, and so on.
 *
 * @param host               interface to bind, default 0.0.0.0
 * @param port               HTTP port (0 = any free port)
 * @param dataDir            embedded storage: event log, RocksDB state, H2 metadata
 * @param databaseUrl        JDBC URL of PostgreSQL for metadata; null = embedded H2 in dataDir
 * @param databaseUser       database user, or null
 * @param databasePassword   database password, or null
 * @param fsync              force the event log to the device before acknowledging (power-loss safety)
 * @param adminToken         bearer token for store administration; null disables the admin endpoints
 * @param rateLimitPerSecond events per second per write key
 * @param rateLimitBurst     burst size per write key
 * @param demo               set up the demo store and serve the demo shop
 * @param noopEndpoint       expose {@code POST /v1/noop}, the benchmark's baseline
 * @param eventLoops         Vert.x event loops (default: available processors)
 * @param backgroundNice     Linux nice value (0–19) of the log's consumers (indexer, audience runtime), so that
 *                           accepting events wins the CPU under a burst; 0 = same priority as requests
 * @param logRetention       how long event-log segments are kept after their records arrived, once every consumer
 *                           has passed them ({@code log-retention-hours}, default 7 days)
 * @param logSegmentMb       size of an event-log segment file in MB, the unit retention deletes (default 128)
 */
public record ServerConfig(String host, int port, Path dataDir, String databaseUrl, String databaseUser,
                           String databasePassword, boolean fsync, String adminToken, double rateLimitPerSecond,
                           int rateLimitBurst, boolean demo, boolean noopEndpoint, int eventLoops,
                           int backgroundNice, Duration logRetention, int logSegmentMb) {

    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_LOG_RETENTION = Duration.ofDays(7);

    public ServerConfig {
        if (backgroundNice < 0 || backgroundNice > 19) {
            throw new IllegalArgumentException("configuration key 'background-nice' must be between 0 and 19, got "
                    + backgroundNice);
        }
        if (logRetention == null || logRetention.isNegative()) {
            throw new IllegalArgumentException("configuration key 'log-retention-hours' must be 0 or more, got "
                    + logRetention);
        }
        if (logSegmentMb < 1 || logSegmentMb > 1024) {
            throw new IllegalArgumentException("configuration key 'log-segment-mb' must be between 1 and 1024, got "
                    + logSegmentMb);
        }
    }

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("0.0.0.0", DEFAULT_PORT, dataDir, null, null, null, false, null, 5_000, 50_000,
                false, false, Runtime.getRuntime().availableProcessors(), 10, DEFAULT_LOG_RETENTION, 128);
    }

    /** A demo server on {@code port} (0 = any) storing everything in {@code dataDir}. */
    public static ServerConfig demo(Path dataDir, int port) {
        return defaults(dataDir).withPort(port).withDemo(true);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withDemo(boolean d) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, d, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withAdminToken(String token) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, token,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withFsync(boolean f) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, f, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withRateLimit(double perSecond, int burst) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                perSecond, burst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withNoopEndpoint(boolean n) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, n, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    public ServerConfig withLogRetention(Duration r) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, r, logSegmentMb);
    }

    public ServerConfig withLogSegmentMb(int mb) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, mb);
    }

    public ServerConfig withDatabase(String url, String user, String password) {
        return new ServerConfig(host, port, dataDir, url, user, password, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, logRetention, logSegmentMb);
    }

    /**
     * Loads {@code file} (may be null) and applies {@code env}; unknown keys are an error so
     * that a typo does not silently fall back to a default.
     */
    public static ServerConfig load(Path file, Map<String, String> env) {
        Properties p = properties(file, env);
        ServerConfig d = defaults(Path.of(p.getProperty("data-dir", "./data")));
        for (String key : p.stringPropertyNames()) {
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown configuration key '" + key + "'; known keys: " + KNOWN);
            }
        }
        return new ServerConfig(
                p.getProperty("host", d.host),
                intOf(p, "port", d.port),
                d.dataDir,
                p.getProperty("database-url"),
                p.getProperty("database-user"),
                p.getProperty("database-password"),
                Boolean.parseBoolean(p.getProperty("fsync", "false")),
                p.getProperty("admin-token"),
                Double.parseDouble(p.getProperty("rate-limit-per-second", String.valueOf(d.rateLimitPerSecond))),
                intOf(p, "rate-limit-burst", d.rateLimitBurst),
                false,
                Boolean.parseBoolean(p.getProperty("noop-endpoint", "false")),
                intOf(p, "event-loops", d.eventLoops),
                intOf(p, "background-nice", d.backgroundNice),
                Duration.ofHours(intOf(p, "log-retention-hours", (int) d.logRetention.toHours())),
                intOf(p, "log-segment-mb", d.logSegmentMb));
    }

    /** The file's keys overlaid with {@code REBOUND_*} variables ({@code REBOUND_DATA_DIR} → {@code data-dir}). */
    public static Properties properties(Path file, Map<String, String> env) {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config file " + file, e);
            }
        }
        env.forEach((k, v) -> {
            if (k.startsWith("REBOUND_")) {
                p.setProperty(k.substring(8).toLowerCase(Locale.ROOT).replace('_', '-'), v);
            }
        });
        return p;
    }

    /** Every key {@link #load} accepts: this record's, and cluster mode's ({@link ClusterConfig#KEYS}). */
    private static final java.util.Set<String> KNOWN = java.util.stream.Stream.concat(java.util.stream.Stream.of(
            "host", "port", "data-dir", "database-url",
            "database-user", "database-password", "fsync", "admin-token", "rate-limit-per-second",
            "rate-limit-burst", "noop-endpoint", "event-loops", "background-nice", "log-retention-hours", "log-segment-mb", "config"), ClusterConfig.KEYS.stream())
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));

    /** An integer key, or {@code dflt} when absent; a non-integer is an error naming the key. */
    public static int intOf(Properties p, String key, int dflt) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key '" + key + "' must be an integer, got '" + v + "'");
        }
    }
}
