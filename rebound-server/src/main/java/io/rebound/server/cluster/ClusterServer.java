package io.rebound.server.cluster;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rebound.core.engine.AuditStats;
import io.rebound.kafka.KafkaEventLog;
import io.rebound.kafka.Topics;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.config.DataDirectory;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.PostgresOwnership;
import io.rebound.server.wiring.ServerRoutes;
import io.rebound.server.wiring.Startup;
import io.rebound.server.http.AuditReport;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Rebound node in cluster mode: metadata in PostgreSQL, accepted events appended to Kafka
 * ({@link KafkaEventLog}, answered after {@code acks=all}), this node's Kafka Streams instance of the
 * audience topology (roles {@code all}/{@code streams}), the {@link ClusterSink} that materialises
 * memberships in PostgreSQL, and the HTTP API answering from there — so any node serves any read.
 * The passes that must not run twice (destination syncs, the email flows, the shop codes) run on one
 * node at a time, claimed through PostgreSQL advisory locks.
 * {@link #start} returns once the server listens; {@link #close()} stops it cleanly.
 */
public final class ClusterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterServer.class);

    private final ServerConfig config;
    private final ClusterConfig cluster;
    private final PrometheusMeterRegistry metrics;
    private final Topics topics;
    /** Where the SMTP settings are read from ({@code REBOUND_SMTP_HOST}, …): the process environment. */
    private final Map<String, String> env;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Database database;
    private StoreRepository stores;
    private KafkaEventLog log;
    private StreamsNode streams;
    private ClusterSink sink;
    private ClusterAudiences audiences;
    private ClusterEventFeed feed;
    private Dashboard dashboard;
    private Activation activation;
    /** The email flows and the codes created in the shops, run by one node of the cluster at a time. */
    private io.rebound.server.wiring.OwnedJobs jobs;
    private int partitions;
    private Vertx vertx;
    private int port;
    /** This node's self-check findings (none on a collector-only node, which audits nothing). */
    private AuditStats audits = new AuditStats();

    private ClusterServer(ServerConfig config, ClusterConfig cluster, Map<String, String> env) {
        this.config = config;
        this.env = Map.copyOf(env);
        this.cluster = cluster;
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.topics = new Topics(cluster.topicPrefix());
    }

    /** Starts a node; fails with a message naming the setting when PostgreSQL or Kafka is not usable. */
    public static ClusterServer start(ServerConfig config, ClusterConfig cluster) {
        return start(config, cluster, System.getenv());
    }

    /** As above, the email settings ({@code REBOUND_SMTP_HOST}, …) read from {@code env}. */
    public static ClusterServer start(ServerConfig config, ClusterConfig cluster, Map<String, String> env) {
        String url = config.databaseUrl();
        if (url == null || !url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("cluster mode (kafka-bootstrap-servers is set) needs database-url "
                    + "to name PostgreSQL (jdbc:postgresql://host:port/database); got " + Database.redact(url));
        }
        return Startup.orClose(new ClusterServer(config, cluster, env), s -> {
            s.assemble();
            s.listen();
        });
    }

    private void assemble() {
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        DataDirectory.secure(config.dataDir());
        database = Database.open(config.databaseUrl(), config.databaseUser(), config.databasePassword());
        resources.add(database);
        stores = new JdbcStoreRepository(database);
        partitions = ClusterTopics.ensure(cluster, topics);
        if (cluster.role().collects()) {
            log = new KafkaEventLog(cluster.bootstrapServers(), topics, Map.of());
            resources.addFirst(log);
        }
        audiences = new ClusterAudiences(cluster, topics, partitions, database.dataSource(), Clock.systemUTC());
        resources.addFirst(audiences);
        if (cluster.role().streams()) {
            streams = new StreamsNode(cluster, topics, config.dataDir().resolve("streams"));
            resources.addFirst(streams);
            audits = streams.audits();
        }
        AuditReport.register(metrics, audits);
        sink = new ClusterSink(cluster, topics, database.dataSource()).start();
        resources.addFirst(sink);
        resources.addFirst(ClusterSink.events(cluster, topics, database.dataSource()).start());
        feed = new ClusterEventFeed(cluster, topics, database.dataSource(), Clock.systemUTC());
        resources.addFirst(feed);
        resources.addFirst(new ClusterUpkeep(database.dataSource(), audiences, Clock.systemUTC(),
                ClusterUpkeep.DELETION_GRACE).start(Duration.ofMinutes(1)));
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, config.eventLoops())));
        dashboard = ServerRoutes.dashboard(config, vertx, database, stores, audiences, feed, metrics);
        if (config.activation().credentialsKeys() == null) {
            LOG.warn("credentials-keys is not set: destination credentials are encrypted with this node's own keyring "
                    + "({}), which the other nodes cannot read; set the same credentials-keys on every node",
                    config.dataDir().resolve(io.rebound.server.activation.CredentialKeys.FILE));
        }
        activation = ServerRoutes.activation(config, database, audiences, Clock.systemUTC(),
                new PostgresOwnership(database.dataSource()),
                new ClusterEventSource(database.dataSource(), partitions, audiences.reader()));
        resources.addFirst(activation);
        jobs = new io.rebound.server.wiring.OwnedJobs(new PostgresOwnership(database.dataSource()));
        resources.addFirst(jobs);
    }

    private void listen() {
        List<Consumer<Router>> groups = new ArrayList<>();
        groups.add(new ClusterRoutes(metrics, this::health)::mount);
        if (log != null) {
            groups.add(ServerRoutes.collector(config, stores, log, Clock.systemUTC(), metrics));
        }
        int hot = groups.size(); // the per-request read APIs go first: routes are matched in order, by regex
        groups.addAll(ServerRoutes.apis(config, stores, audiences, activation, dashboard));
        groups.addAll(ServerRoutes.catalog(config, database, stores, dashboard, Clock.systemUTC()));
        groups.addAll(ServerRoutes.webhooks(config, vertx, database, stores, log, Clock.systemUTC(), metrics));
        groups.addAll(ServerRoutes.recovery(config, database, stores, Clock.systemUTC()));
        io.rebound.server.commerce.Recommendations recommendations =
                ServerRoutes.recommender(database, feed, Clock.systemUTC());
        groups.addAll(hot, ServerRoutes.recommendations(recommendations, database, stores, audiences, Clock.systemUTC()));
        groups.addAll(hot, ServerRoutes.campaigns(database, stores, audiences, Clock.systemUTC(), recommendations)); // decide first
        groups.addAll(ServerRoutes.email(config, env, jobs, database, stores, audiences, Clock.systemUTC(),
                ServerRoutes.crossSell(recommendations, audiences)));
        groups.addAll(ServerRoutes.storeCodes(config, jobs, database, stores, Clock.systemUTC(), Duration.ofSeconds(10)));
        port = ServerRoutes.listen(config, vertx, groups);
        activation.start();
        jobs.start();
        dashboard.openSetup(ServerRoutes.signInUrl(config, baseUrl()));
        LOG.info("Rebound cluster node ({}) listening on {}", cluster.role().name().toLowerCase(Locale.ROOT), baseUrl());
    }

    /** What /health reports; {@code ok} false when the sink or this node's Streams instance has stopped. */
    private ClusterRoutes.Health health() {
        String state = streams == null ? null : streams.state().name();
        boolean streamsOk = streams == null || !(state.equals("ERROR") || state.equals("NOT_RUNNING")
                || state.equals("PENDING_ERROR"));
        return new ClusterRoutes.Health(sink.failure() == null && streamsOk,
                cluster.role().name().toLowerCase(Locale.ROOT), state, sink.applied(), audits);
    }



    public int port() {
        return port;
    }

    public String baseUrl() {
        String host = "0.0.0.0".equals(config.host()) ? "localhost" : config.host();
        return "http://" + host + ":" + port;
    }

    public ClusterConfig cluster() {
        return cluster;
    }

    public StoreRepository stores() {
        return stores;
    }

    /** This node's dashboard (its users, in-memory views). */
    public Dashboard dashboard() {
        return dashboard;
    }

    /** This node's destinations and the sync workers it owns. */
    public Activation activation() {
        return activation;
    }

    /** Which of the cluster's single-owner passes (email flows, store codes) run on this node. */
    public io.rebound.server.wiring.OwnedJobs jobs() {
        return jobs;
    }

    /** This node's segment service (tests). */
    ClusterAudiences audiences() {
        return audiences;
    }

    @Override
    public void close() {
        if (vertx != null) {
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("error stopping HTTP", e);
            }
        }
        // Newest first: the sink and Streams stop before the producers and the database they use.
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("error closing {}", r, e);
            }
        }
        metrics.close();
    }
}
