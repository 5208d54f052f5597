package io.rebound.server.wiring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.port.EventLog;
import io.rebound.core.segment.VisitorState;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.ServerConfig;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.activation.JdbcDeliveryStore;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.activation.Ownership;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.DestinationApi;
import io.rebound.server.api.SegmentApi;
import io.rebound.server.api.StoreApi;
import io.rebound.server.api.VisitorApi;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.collect.BotFilter;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.collect.GifParser;
import io.rebound.server.collect.RateLimiter;
import io.rebound.server.campaign.CampaignApi;
import io.rebound.server.campaign.DecisionApi;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.commerce.CatalogApi;
import io.rebound.server.commerce.FeedRoutes;
import io.rebound.server.commerce.FeedTokens;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.dashboard.DashboardSettings;
import io.rebound.server.email.EmailApi;
import io.rebound.server.email.EmailFlows;
import io.rebound.server.email.EmailSettings;
import io.rebound.server.email.JdbcEmailQueue;
import io.rebound.server.email.SmtpSender;
import io.rebound.server.email.UnsubscribeTokens;
import io.rebound.server.feed.EventFeed;
import io.rebound.server.http.CollectorRoutes;
import io.rebound.server.http.HttpApi;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.webhooks.WebhookApi;
import io.rebound.server.webhooks.WebhookReceiver;
import io.rebound.server.webhooks.WebhookSecrets;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What the embedded server and a cluster node serve alike, built one way: the collector over an
 * event log, the store, visitor and segment APIs and the dashboard over the {@link Audiences} and
 * {@link EventFeed} ports, and the HTTP listener on every event loop. Each server adds only what is
 * its own (its /health, the demo shop).
 */
public final class ServerRoutes {
    private ServerRoutes() {
    }

    /** The collector endpoints appending to {@code log}, with the parsers, limits and counters they share. */
    public static Consumer<Router> collector(ServerConfig config, StoreRepository stores, EventLog log, Clock clock,
                                             MeterRegistry metrics) {
        CollectorParser parser = new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared());
        GifParser gifParser = new GifParser(EventTimePolicy.DEFAULT, BotFilter.shared());
        FunctionCounter.builder("rebound.events.bots.unchecked", BotFilter.shared(), BotFilter::unchecked)
                .description("events let through unchecked: every user-agent analyser was busy").register(metrics);
        FunctionCounter.builder("rebound.person.events.dropped", VisitorState.class, c -> VisitorState.droppedEvents())
                .description("events not kept: a person's state was full (VisitorState.MAX_EVENTS)").register(metrics);
        RateLimiter rateLimiter = new RateLimiter(config.rateLimitPerSecond(), config.rateLimitBurst(), 100_000);
        return new CollectorRoutes(stores, log, parser, gifParser, rateLimiter,
                RateLimiter.perClient(config.ipRateLimitPerSecond(), config.ipRateLimitBurst()), clock, metrics,
                config.web().publicUrl(), config.web().trustedProxies())::mount;
    }

    /** The dashboard over the two ports, its in-memory views told of every erasure. */
    public static Dashboard dashboard(ServerConfig config, Vertx vertx, Database database, StoreRepository stores,
                                      Audiences audiences, EventFeed feed, MeterRegistry metrics) {
        ServerConfig.Limits limits = config.limits();
        Dashboard dashboard = new Dashboard(vertx, database, stores, feed, metrics,
                DashboardSettings.defaults(config.adminToken())
                        .withWeb(config.web().publicUrl(), config.web().trustedProxies(), config.web().secureCookies())
                        .withLimits(limits.sessions(), limits.liveStreamsPerStore(), limits.liveStreams(),
                                limits.segmentsPerStore()));
        audiences.onErasure(dashboard::forget);
        dashboard.attachAudiences(audiences, ReadinessPolicy.DEFAULT);
        return dashboard;
    }

    /**
     * Activation over the metadata database: destinations with credentials encrypted by the configured
     * keyring (or the data directory's), a sync worker per destination this node owns and, where
     * {@code events} is given, an event forwarder. Not started.
     */
    public static Activation activation(ServerConfig config, Database database, Audiences audiences, Clock clock,
                                        Ownership ownership, EventSource events) {
        return new Activation(new JdbcDestinations(database.dataSource(), credentialKeys(config), clock),
                new JdbcDeliveryStore(database.dataSource(), clock), audiences, HttpTransport.withDefaults(), clock,
                config.activation().batchWindow(), ownership, events, config.activation().reconcileInterval());
    }

    /** The keyring every stored credential is encrypted with: {@code credentials-keys}, else the data directory's file. */
    public static CredentialKeys credentialKeys(ServerConfig config) {
        return config.activation().credentialsKeys() != null
                ? CredentialKeys.parse(config.activation().credentialsKeys())
                : CredentialKeys.inDirectory(config.dataDir());
    }

    /** The store, visitor, segment and destination APIs and the dashboard. */
    public static List<Consumer<Router>> apis(ServerConfig config, StoreRepository stores, Audiences audiences,
                                              Activation activation, Dashboard dashboard) {
        ApiAuth auth = new ApiAuth(stores);
        dashboard.attachActivation(activation);
        return List.of(r -> StoreApi.mount(r, stores, config.adminToken()),
                new VisitorApi(audiences, auth)::mount,
                new SegmentApi(audiences, auth, ReadinessPolicy.DEFAULT, config.limits().segmentsPerStore())::mount,
                new DestinationApi(activation, audiences, auth)::mount,
                dashboard::mount);
    }

    /**
     * The catalog API (store secret key) and the feeds the platforms fetch (token in the URL), over
     * the metadata database; the funnel's product ids tell the catalog coverage.
     */
    public static List<Consumer<Router>> catalog(ServerConfig config, Database database, StoreRepository stores,
                                                 Dashboard dashboard, Clock clock) {
        JdbcCatalog catalog = new JdbcCatalog(database.dataSource(), clock);
        FeedTokens tokens = new FeedTokens(database.dataSource(), clock);
        return List.of(new CatalogApi(catalog, tokens, new ApiAuth(stores), dashboard.funnel()::productIds,
                        config.web().publicUrl())::mount,
                new FeedRoutes(catalog, tokens, stores)::mount);
    }

    /**
     * Store webhooks: the secrets API (store secret key) and, where this node collects ({@code log} not
     * null), the receivers, which append orders to {@code log} through the collector's parser. The
     * secrets are encrypted with the keyring destinations use (the same configured keys or data-directory
     * file); those an older key holds are re-encrypted under the active one here.
     */
    public static List<Consumer<Router>> webhooks(ServerConfig config, Database database, StoreRepository stores,
                                                  EventLog log, Clock clock, MeterRegistry metrics) {
        WebhookSecrets secrets = new WebhookSecrets(database.dataSource(), credentialKeys(config), clock);
        secrets.reencrypt();
        Consumer<Router> api = new WebhookApi(secrets, new ApiAuth(stores), config.web().publicUrl())::mount;
        if (log == null) {
            return List.of(api);
        }
        return List.of(api, new WebhookReceiver(stores, secrets, log,
                new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared()), EventTimePolicy.DEFAULT, clock,
                metrics)::mount);
    }

    /**
     * The campaign API and the decision API (store secret key) over the metadata database, the
     * audiences port and the catalog.
     */
    public static List<Consumer<Router>> campaigns(Database database, StoreRepository stores, Audiences audiences,
                                                   Clock clock) {
        JdbcCampaigns campaigns = new JdbcCampaigns(database.dataSource(), clock);
        JdbcOffers offers = new JdbcOffers(database.dataSource());
        audiences.onPersonErased((store, person, emailHashes) -> offers.forgetPerson(store, person));
        ApiAuth auth = new ApiAuth(stores);
        return List.of(new CampaignApi(campaigns, offers, audiences, auth)::mount,
                new DecisionApi(campaigns, offers, new JdbcCatalog(database.dataSource(), clock), audiences, auth,
                        clock)::mount);
    }

    /**
     * Email (docs/campaigns.md, "Email"): the subscriber API and the unsubscribe endpoints always and,
     * where an SMTP host is configured ({@code REBOUND_SMTP_HOST}), the flow worker, run every
     * {@code pollEvery} on a worker thread of {@code vertx} (stopped with it).
     */
    public static List<Consumer<Router>> email(ServerConfig config, Vertx vertx, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock) {
        java.net.URI publicUrl = config.web().publicUrl();
        if (publicUrl == null) {
            // Unsubscribe links must reach this server from the recipient's mail client: say so once.
            publicUrl = java.net.URI.create("http://localhost:" + config.port());
            if (System.getenv("REBOUND_SMTP_HOST") != null) {
                org.slf4j.LoggerFactory.getLogger(EmailFlows.class).warn("email is on but no public-url is set: "
                        + "unsubscribe links point at {}", publicUrl);
            }
        }
        return email(EmailSettings.fromEnv(System.getenv(), publicUrl), vertx, database, stores, audiences, clock);
    }

    /** As above with explicit settings (tests). */
    public static List<Consumer<Router>> email(EmailSettings settings, Vertx vertx, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock) {
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        UnsubscribeTokens tokens = new UnsubscribeTokens(queue.tokenKey());
        audiences.onPersonErased(queue::forgetPerson);
        if (settings.enabled()) {
            EmailFlows flows = new EmailFlows(queue, new JdbcCampaigns(database.dataSource(), clock),
                    new JdbcOffers(database.dataSource()), new JdbcCatalog(database.dataSource(), clock), audiences,
                    io.rebound.server.campaign.ComplementaryProducts.CREATIVE, new SmtpSender(settings), tokens,
                    settings, clock);
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();
            vertx.setPeriodic(settings.pollEvery().toMillis(), id -> {
                if (running.compareAndSet(false, true)) {
                    vertx.executeBlocking(() -> flows.runOnce(), false).onComplete(r -> {
                        running.set(false);
                        if (r.failed()) {
                            org.slf4j.LoggerFactory.getLogger(EmailFlows.class).warn("email flows: {}",
                                    r.cause().getMessage());
                        }
                    });
                }
            });
        }
        return List.of(new EmailApi(queue, tokens, new ApiAuth(stores), clock)::mount);
    }

    /**
     * Serves {@code groups} on every event loop ({@code event-loops} instances, one port: "any free
     * port", 0, is resolved once up front) and returns the port; prints the dashboard's setup code
     * while no account exists.
     */
    public static int listen(ServerConfig config, Vertx vertx, List<Consumer<Router>> groups) {
        int listenPort = config.port() == 0 ? HttpApi.freePort() : config.port();
        AtomicInteger bound = new AtomicInteger(listenPort);
        try {
            vertx.deployVerticle(() -> new HttpApi.Verticle(groups, config.host(), bound),
                    new DeploymentOptions().setInstances(Math.max(1, config.eventLoops()))).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + listenPort + ": " + e.getMessage(), e);
        }
        return bound.get();
    }

    /** The URL the dashboard's sign-in page is reached at (the public URL when one is configured). */
    public static String signInUrl(ServerConfig config, String baseUrl) {
        return (config.web().publicUrl() == null ? baseUrl : config.web().publicUrl().toString()) + "/dashboard/login";
    }
}
