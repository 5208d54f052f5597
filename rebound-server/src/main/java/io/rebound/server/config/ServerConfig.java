package io.rebound.server.config;

import io.rebound.server.http.TrustedProxies;

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
 * @param backgroundNice     Linux nice value (0–19) the log's consumers take once the audience runtime is a
 *                           second behind, so that accepting events wins the CPU under a burst; 0 = never lower
 * @param web                how the server is reached from outside: public URL, trusted proxies, Secure cookies
 * @param limits             caps on what one store or one client can make the server hold (and send: the
 *                           per-address rate limit)
 * @param eventLog           how long event-log files are kept and how large they are
 * @param activation         destinations: the credentials keyring, the sync batching window and the full
 *                           reconciliation interval
 */
public record ServerConfig(String host, int port, Path dataDir, String databaseUrl, String databaseUser,
                           String databasePassword, boolean fsync, String adminToken, double rateLimitPerSecond,
                           int rateLimitBurst, boolean demo, boolean noopEndpoint, int eventLoops,
                           int backgroundNice, Web web, Limits limits, EventLog eventLog,
                           Activation activation) {

    public static final int DEFAULT_PORT = 8080;

    /**
     * How clients reach the server.
     *
     * @param publicUrl      the URL browsers and stores use ({@code https://collect.example.com}), or null: then
     *                       URLs the server hands out are built from the request's own Host header
     * @param trustedProxies peers whose {@code X-Forwarded-For} / {@code X-Real-IP} / {@code X-Forwarded-Proto}
     *                       are believed; none by default
     * @param secureCookies  mark the dashboard's cookies Secure; default: when {@code publicUrl} is https
     */
    public record Web(java.net.URI publicUrl, TrustedProxies trustedProxies, boolean secureCookies) {
        public static final Web DEFAULT = new Web(null, TrustedProxies.NONE, false);

        public Web {
            if (publicUrl != null && (publicUrl.getScheme() == null || publicUrl.getHost() == null
                    || !(publicUrl.getScheme().equals("http") || publicUrl.getScheme().equals("https")))) {
                throw new IllegalArgumentException("configuration key 'public-url' must be an absolute http(s) URL "
                        + "like https://collect.example.com, got '" + publicUrl + "'");
            }
        }
    }

    /**
     * Caps on what can pile up in memory or in the metadata database; each has its own key.
     *
     * @param segmentsPerStore    segments one store may have ({@code segments-per-store})
     * @param liveStreamsPerStore open live-debugger streams per store ({@code live-streams-per-store})
     * @param liveStreams         open live-debugger streams in the process ({@code live-streams})
     * @param sessions            signed-in dashboard sessions in the process ({@code dashboard-sessions})
     * @param ipRateLimitPerSecond events per second per client address, on every collector route
     *                            ({@code ip-rate-limit-per-second}); 0 = no limit
     * @param ipRateLimitBurst     burst size per client address ({@code ip-rate-limit-burst})
     */
    public record Limits(int segmentsPerStore, int liveStreamsPerStore, int liveStreams, int sessions,
                         double ipRateLimitPerSecond, int ipRateLimitBurst) {
        public static final Limits DEFAULT = new Limits(100, 10, 200, 10_000, 1_000, 10_000);

        public Limits {
            positive("segments-per-store", segmentsPerStore);
            positive("live-streams-per-store", liveStreamsPerStore);
            positive("live-streams", liveStreams);
            positive("dashboard-sessions", sessions);
            if (ipRateLimitPerSecond < 0 || ipRateLimitBurst < 1) {
                throw new IllegalArgumentException("configuration keys 'ip-rate-limit-per-second' (>= 0) and "
                        + "'ip-rate-limit-burst' (>= 1) are out of range: " + ipRateLimitPerSecond + ", " + ipRateLimitBurst);
            }
        }

        /** These limits with another per-address rate limit. */
        public Limits withIpRateLimit(double perSecond, int burst) {
            return new Limits(segmentsPerStore, liveStreamsPerStore, liveStreams, sessions, perSecond, burst);
        }

        private static void positive(String key, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("configuration key '" + key + "' must be at least 1, got " + value);
            }
        }
    }

    public static final Duration DEFAULT_LOG_RETENTION = Duration.ofDays(7);

    /**
     * The event log's retention.
     *
     * @param retention how long log files are kept after their records arrived, once every consumer has passed
     *                  them ({@code log-retention-hours}, default 7 days)
     * @param fileMb    size of a log file in MB, the unit retention deletes ({@code log-file-mb}, default 128;
     *                  {@code log-segment-mb}, its former name, is still accepted)
     */
    public record EventLog(Duration retention, int fileMb) {
        public static final EventLog DEFAULT = new EventLog(DEFAULT_LOG_RETENTION, 128);

        public EventLog {
            if (retention == null || retention.isNegative()) {
                throw new IllegalArgumentException("configuration key 'log-retention-hours' must be 0 or more, got "
                        + retention);
            }
            if (fileMb < 1 || fileMb > 1024) {
                throw new IllegalArgumentException("configuration key 'log-file-mb' must be between 1 and 1024, got "
                        + fileMb);
            }
        }
    }

    /** How long event-log files are kept once every consumer has passed them. */
    public Duration logRetention() {
        return eventLog.retention();
    }

    /** Size of an event-log file in MB. */
    public int logFileMb() {
        return eventLog.fileMb();
    }

    public ServerConfig withLogRetention(Duration r) {
        return withEventLog(new EventLog(r, eventLog.fileMb()));
    }

    public ServerConfig withLogFileMb(int mb) {
        return withEventLog(new EventLog(eventLog.retention(), mb));
    }

    public ServerConfig withEventLog(EventLog e) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, e, activation);
    }

    public ServerConfig {
        if (backgroundNice < 0 || backgroundNice > 19) {
            throw new IllegalArgumentException("configuration key 'background-nice' must be between 0 and 19, got "
                    + backgroundNice);
        }
        web = web == null ? Web.DEFAULT : web;
        limits = limits == null ? Limits.DEFAULT : limits;
        eventLog = eventLog == null ? EventLog.DEFAULT : eventLog;
        activation = activation == null ? Activation.DEFAULT : activation;
    }

    /**
     * Activation settings.
     *
     * @param credentialsKeys the keyring that encrypts destination credentials ({@code credentials-keys}:
     *                        {@code id:base64key,…}, the first encrypts; every node of a cluster needs the same),
     *                        or null for the file {@code credentials.keys} created in the data directory
     * @param batchWindow     how often a caught-up sync worker reads its change logs again
     *                        ({@code sync-batch-window-ms}, 100 to 60,000; default 2 s)
     * @param reconcileInterval how often each synced segment's platform list is reconciled in full
     *                        ({@code reconcile-interval-hours}, at least 1; default 24 h)
     */
    public record Activation(String credentialsKeys, Duration batchWindow, Duration reconcileInterval) {
        public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofHours(24);
        public static final Activation DEFAULT = new Activation(null, Duration.ofSeconds(2), DEFAULT_RECONCILE_INTERVAL);

        public Activation {
            if (batchWindow == null || batchWindow.toMillis() < 100 || batchWindow.toMillis() > 60_000) {
                throw new IllegalArgumentException("configuration key 'sync-batch-window-ms' must be between 100 and 60000, got "
                        + (batchWindow == null ? null : batchWindow.toMillis()));
            }
            reconcileInterval = reconcileInterval == null ? DEFAULT_RECONCILE_INTERVAL : reconcileInterval;
            if (reconcileInterval.compareTo(Duration.ofHours(1)) < 0) {
                throw new IllegalArgumentException("configuration key 'reconcile-interval-hours' must be at least 1, got "
                        + reconcileInterval.toHours());
            }
            credentialsKeys = credentialsKeys == null || credentialsKeys.isBlank() ? null : credentialsKeys;
        }

        /** With the default reconciliation interval. */
        public Activation(String credentialsKeys, Duration batchWindow) {
            this(credentialsKeys, batchWindow, DEFAULT_RECONCILE_INTERVAL);
        }
    }

    public ServerConfig withActivation(Activation a) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, a);
    }

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("0.0.0.0", DEFAULT_PORT, dataDir, null, null, null, false, null, 5_000, 50_000,
                false, false, Runtime.getRuntime().availableProcessors(), 10, Web.DEFAULT, Limits.DEFAULT,
                EventLog.DEFAULT, Activation.DEFAULT);
    }

    /**
     * A demo server on {@code port} (0 = any) storing everything in {@code dataDir}. Its traffic
     * simulator seeds weeks of history from this machine's one address, so the per-address limit
     * is as wide as the per-key one.
     */
    public static ServerConfig demo(Path dataDir, int port) {
        ServerConfig d = defaults(dataDir);
        return d.withPort(port).withDemo(true).withIpRateLimit(d.rateLimitPerSecond, d.rateLimitBurst);
    }

    /** Events per second per client address; 0 = no limit. */
    public double ipRateLimitPerSecond() {
        return limits.ipRateLimitPerSecond();
    }

    /** Burst size per client address. */
    public int ipRateLimitBurst() {
        return limits.ipRateLimitBurst();
    }

    /** Events per second and burst per client address; {@code perSecond} 0 turns the limit off. */
    public ServerConfig withIpRateLimit(double perSecond, int burst) {
        return withLimits(limits.withIpRateLimit(perSecond, burst));
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, activation);
    }

    public ServerConfig withDemo(boolean d) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, d, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, activation);
    }

    public ServerConfig withAdminToken(String token) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, token,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, activation);
    }

    public ServerConfig withRateLimit(double perSecond, int burst) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                perSecond, burst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, activation);
    }

    public ServerConfig withDatabase(String url, String user, String password) {
        return new ServerConfig(host, port, dataDir, url, user, password, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, limits, eventLog, activation);
    }

    public ServerConfig withWeb(Web w) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, w, limits, eventLog, activation);
    }

    public ServerConfig withLimits(Limits l) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, fsync, adminToken,
                rateLimitPerSecond, rateLimitBurst, demo, noopEndpoint, eventLoops, backgroundNice, web, l, eventLog, activation);
    }

    /**
     * Loads {@code file} (may be null) and applies {@code env}; unknown keys are an error so
     * that a typo does not silently fall back to a default.
     */
    public static ServerConfig load(Path file, Map<String, String> env) {
        Properties p = properties(file, env);
        renamed(p, "log-segment-mb", LOG_FILE_MB);
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
                web(p),
                new Limits(intOf(p, "segments-per-store", Limits.DEFAULT.segmentsPerStore()),
                        intOf(p, "live-streams-per-store", Limits.DEFAULT.liveStreamsPerStore()),
                        intOf(p, "live-streams", Limits.DEFAULT.liveStreams()),
                        intOf(p, "dashboard-sessions", Limits.DEFAULT.sessions()),
                        Double.parseDouble(p.getProperty("ip-rate-limit-per-second",
                                String.valueOf(Limits.DEFAULT.ipRateLimitPerSecond()))),
                        intOf(p, "ip-rate-limit-burst", Limits.DEFAULT.ipRateLimitBurst())),
                new EventLog(Duration.ofHours(intOf(p, "log-retention-hours", (int) DEFAULT_LOG_RETENTION.toHours())),
                        intOf(p, LOG_FILE_MB, EventLog.DEFAULT.fileMb())),
                new Activation(p.getProperty("credentials-keys"),
                        Duration.ofMillis(intOf(p, "sync-batch-window-ms", (int) Activation.DEFAULT.batchWindow().toMillis())),
                        Duration.ofHours(intOf(p, "reconcile-interval-hours",
                                (int) Activation.DEFAULT_RECONCILE_INTERVAL.toHours()))));
    }

    private static Web web(Properties p) {
        String url = p.getProperty("public-url");
        java.net.URI publicUrl = null;
        if (url != null && !url.isBlank()) {
            try {
                publicUrl = new java.net.URI(url.strip().replaceAll("/+$", ""));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("configuration key 'public-url' is not a URL: " + e.getMessage());
            }
        }
        TrustedProxies proxies = TrustedProxies.parse(p.getProperty("trusted-proxies", ""));
        String secure = p.getProperty("secure-cookies");
        boolean secureCookies;
        if (secure == null || secure.isBlank()) {
            secureCookies = publicUrl != null && "https".equals(publicUrl.getScheme());
        } else if (secure.strip().equalsIgnoreCase("true") || secure.strip().equalsIgnoreCase("false")) {
            secureCookies = Boolean.parseBoolean(secure.strip());
        } else {
            throw new IllegalArgumentException("configuration key 'secure-cookies' must be true or false, got '"
                    + secure + "'");
        }
        return new Web(publicUrl, proxies, secureCookies);
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

    private static final String LOG_FILE_MB = "log-file-mb";

    /** Every key {@link #load} accepts: this record's, and cluster mode's ({@link ClusterConfig#KEYS}). */
    private static final java.util.Set<String> KNOWN = java.util.stream.Stream.concat(java.util.stream.Stream.of(
            "host", "port", "data-dir", "database-url",
            "database-user", "database-password", "fsync", "admin-token", "rate-limit-per-second",
            "rate-limit-burst", "noop-endpoint", "event-loops", "background-nice", "config", "public-url",
            "trusted-proxies", "secure-cookies", "segments-per-store", "live-streams-per-store", "live-streams",
            "dashboard-sessions", "ip-rate-limit-per-second", "ip-rate-limit-burst", "log-retention-hours",
            LOG_FILE_MB, "log-segment-mb", "credentials-keys", "sync-batch-window-ms",
            "reconcile-interval-hours"), ClusterConfig.KEYS.stream())
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));

    /**
     * Reads a key set under its old name as if set under its new one, so files and {@code REBOUND_*}
     * variables written for an earlier release keep working; both at once is an error naming both.
     */
    private static void renamed(Properties p, String old, String now) {
        String v = p.getProperty(old);
        if (v == null) {
            return;
        }
        if (p.getProperty(now) != null) {
            throw new IllegalArgumentException("configuration keys '" + old + "' and '" + now + "' are both set; '"
                    + old + "' is the old name of '" + now + "': keep only '" + now + "'");
        }
        p.setProperty(now, v);
        p.remove(old);
    }

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
