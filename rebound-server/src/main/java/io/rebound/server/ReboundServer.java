package io.rebound.server;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.LogEventSource;
import io.rebound.server.activation.Ownership;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.campaign.RocksExposures;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.EmbeddedAudiences;
import io.rebound.server.commerce.Recommendations;
import io.rebound.server.config.DataDirectory;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.feed.EmbeddedEventFeed;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.http.OpsRoutes;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.log.LogRetention;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.runtime.BackgroundPriority;
import io.rebound.server.runtime.DeadLetters;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RetentionTask;
import io.rebound.server.runtime.RocksDatabase;
import io.rebound.server.wiring.ServerRoutes;
import io.rebound.server.wiring.Startup;
import io.rebound.server.runtime.StoreRetentions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Rebound process on embedded storage: metadata database, event log, RocksDB state,
 * the event indexer, and the HTTP server on as many event loops as there are cores.
 * {@link #start(ServerConfig)} returns once the server listens; {@link #close()} stops it cleanly.
 */
public final class ReboundServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReboundServer.class);

    private final ServerConfig config;
    private final PrometheusMeterRegistry metrics;
    private final Database database;
    private final StoreRepository stores;
    private final FileEventLog log;
    private final RocksDatabase rocks;
    /** The campaigns' daily cap counts, in {@link #rocks}. */
    private final RocksExposures exposures;
    private final EventIndexer indexer;
    private final DeadLetters deadLetters;
    private final RetentionTask retention;
    private final Clock clock;
    private final EmbeddedAudienceRuntime audiences;
    /** The audiences port over {@link #audiences} and the event index: what the API and the dashboard use. */
    private final EmbeddedAudiences audiencesPort;
    private final Vertx vertx;
    private final DemoKeys demoKeys;
    private final Dashboard dashboard;
    private final Activation activation;
    private int port;
    private java.util.Optional<String> setupCode = java.util.Optional.empty();

    private ReboundServer(ServerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        DataDirectory.secure(config.dataDir());
        this.database = config.databaseUrl() == null ? Database.embedded(config.dataDir())
                : Database.open(config.databaseUrl(), config.databaseUser(), config.databasePassword());
        this.stores = new JdbcStoreRepository(database);
        this.log = new FileEventLog(config.dataDir().resolve("log"), config.fsync(),
                (long) config.logFileMb() << 20);
        BackgroundPriority.configure(config.backgroundNice());
        this.rocks = new RocksDatabase(config.dataDir().resolve("state"),
                java.util.stream.Stream.of(EventIndexer.COLUMN_FAMILIES, AudienceColumns.ALL, List.of(RocksExposures.FAMILY))
                        .flatMap(List::stream).toList());
        this.exposures = RocksExposures.attach(database.dataSource(), rocks);
        this.deadLetters = new DeadLetters(rocks, clock);
        this.indexer = new EventIndexer(log.records(), rocks, deadLetters, metrics, new StoreRetentions(stores::byId),
                clock);
        this.audiences = new EmbeddedAudienceRuntime(log.records(), rocks,
                new SegmentRepository(database.dataSource()), stores::byId, clock, deadLetters);
        indexer.yieldWhile(audiences::behind);
        this.retention = new RetentionTask(indexer, new LogRetention(log.records(), config.logRetention(),
                List.of(indexer::position, audiences::position)), clock, RetentionTask.DEFAULT_INTERVAL, metrics);
        this.audiences.recordLatencyIn(metrics);
        this.demoKeys = config.demo() ? DemoSetup.ensureDemoStore(stores, config.dataDir()) : null;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, config.eventLoops())));
        this.audiencesPort = new EmbeddedAudiences(audiences, indexer);
        this.dashboard = ServerRoutes.dashboard(config, vertx, database, stores, audiencesPort,
                new EmbeddedEventFeed(indexer, rocks), metrics);
        if (demoKeys != null) {
            dashboard.ensureDemoUser(demoKeys.storeId());
        }
        this.activation = ServerRoutes.activation(config, database, audiencesPort, clock, Ownership.single(),
                new LogEventSource(log.records(), audiencesPort.reader(), audiences::position));
    }

    public static ReboundServer start(ServerConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * As {@link #start(ServerConfig)} with {@code clock} as the server's time: what the collector
     * stamps as received, what the audience runtime and retention take as now (tests and the soak
     * benchmark pass a controllable or fast clock).
     */
    public static ReboundServer start(ServerConfig config, Clock clock) {
        return Startup.orClose(new ReboundServer(config, clock), ReboundServer::listen);
    }

    private void listen() {
        List<Consumer<Router>> groups = new ArrayList<>();
        groups.add(new OpsRoutes(metrics, log.records(), indexer, audiences::position, audiences.audits(),
                deadLetters, config.noopEndpoint())::mount);
        groups.add(ServerRoutes.collector(config, stores, log, clock, metrics));
        // Routes are tried in order, each path with parameters by a regex: the per-request read APIs come
        // right after the collector, so a request to them is not matched against every other route first.
        int hot = groups.size();
        groups.addAll(ServerRoutes.apis(config, stores, audiencesPort, activation, dashboard));
        groups.addAll(ServerRoutes.catalog(config, database, stores, dashboard, clock));
        groups.addAll(ServerRoutes.webhooks(config, vertx, database, stores, log, clock, metrics));
        Recommendations recommendations = ServerRoutes.recommender(database, new EmbeddedEventFeed(indexer, rocks), clock);
        groups.addAll(ServerRoutes.email(config, vertx, database, stores, audiencesPort, clock,
                ServerRoutes.crossSell(recommendations, audiencesPort)));
        groups.addAll(ServerRoutes.recovery(config, database, stores, clock));
        groups.addAll(ServerRoutes.storeCodes(config, vertx, database, stores, clock, java.time.Duration.ofSeconds(10)));
        groups.addAll(hot, ServerRoutes.recommendations(recommendations, database, stores, audiencesPort, clock));
        // The decision API first of all (its route is the campaigns' first): p99 ≤ 2 ms at 2,000 requests/s.
        groups.addAll(hot, ServerRoutes.campaigns(database, stores, audiencesPort, clock, recommendations));
        if (demoKeys != null) {
            groups.add(DemoSetup.shop(demoKeys.writeKey())::mount);
        }
        this.port = ServerRoutes.listen(config, vertx, groups);
        activation.start();
        if (demoKeys != null) {
            try {
                DemoSetup.connectDryRunDestinations(activation, audiencesPort, demoKeys.storeId());
            } catch (RuntimeException e) {
                LOG.warn("the demo's dry-run destinations were not connected: {}", e.getMessage());
            }
            try {
                DemoSetup.uploadCatalog(baseUrl(), config.web().publicUrl(), demoKeys);
            } catch (RuntimeException e) {
                LOG.warn("the demo catalog was not loaded: {}", e.getMessage());
            }
            try {
                DemoSetup.ensureDemoCampaign(database.dataSource(), audiencesPort, demoKeys.storeId(), clock);
            } catch (RuntimeException e) {
                LOG.warn("the demo campaign was not set up: {}", e.getMessage());
            }
        }
        LOG.info("Rebound listening on {}", baseUrl());
        setupCode = dashboard.openSetup(ServerRoutes.signInUrl(config, baseUrl()));
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        String host = "0.0.0.0".equals(config.host()) ? "localhost" : config.host();
        return "http://" + host + ":" + port;
    }

    /** The one-time code printed at start for creating the first dashboard account; empty once one exists. */
    public java.util.Optional<String> setupCode() {
        return setupCode;
    }

    public DemoKeys demoStore() {
        return demoKeys;
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    /** The metadata database (H2 embedded, or PostgreSQL when configured). */
    public Database database() {
        return database;
    }

    public StoreRepository stores() {
        return stores;
    }

    /** The audiences port the API and the dashboard use. */
    public Audiences audiencesPort() {
        return audiencesPort;
    }

    public EmbeddedAudienceRuntime audiences() {
        return audiences;
    }

    public EventIndexer indexer() {
        return indexer;
    }

    /** The retention of the visitor event table and the event log (its passes can be run by hand). */
    public RetentionTask retention() {
        return retention;
    }

    public ServerConfig config() {
        return config;
    }

    /** Destinations and their sync workers. */
    public Activation activation() {
        return activation;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("error stopping HTTP", e);
        }
        retention.close();
        if (activation != null) {
            activation.close();
        }
        audiences.close();
        indexer.close();
        log.close();
        try {
            exposures.close();
        } catch (RuntimeException e) {
            LOG.warn("the daily cap counts of the last second were not written: {}", e.getMessage());
        }
        rocks.close();
        database.close();
        metrics.close();
    }
}
