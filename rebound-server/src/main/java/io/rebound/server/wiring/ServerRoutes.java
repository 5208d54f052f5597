package io.rebound.server.wiring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.port.EventLog;
import io.rebound.core.recommendation.Recommendation;
import io.rebound.core.segment.VisitorState;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.config.ServerConfig;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.activation.JdbcDeliveryRepository;
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
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.DecisionApi;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.commerce.CatalogApi;
import io.rebound.server.commerce.CoPurchases;
import io.rebound.server.commerce.FeedRoutes;
import io.rebound.server.commerce.FeedTokens;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.commerce.JdbcRecommendations;
import io.rebound.server.commerce.ProductSets;
import io.rebound.server.commerce.RecommendationApi;
import io.rebound.server.commerce.Recommendations;
import io.rebound.server.dashboard.FunnelStats;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.dashboard.DashboardSettings;
import io.rebound.server.email.CapturedMailbox;
import io.rebound.server.email.EmailApi;
import io.rebound.server.email.EmailFlows;
import io.rebound.server.email.EmailSettings;
import io.rebound.server.email.JdbcEmailQueue;
import io.rebound.server.email.MailTransport;
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
                new JdbcDeliveryRepository(database.dataSource(), clock), audiences, HttpTransport.withDefaults(), clock,
                config.activation().batchWindow(), ownership, events, config.activation().reconcileInterval())
                .withholding(new io.rebound.server.campaign.CampaignHoldouts(
                        new JdbcCampaigns(database.dataSource(), clock), clock)::forDestination);
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
        dashboard.attachCatalog(catalog, tokens);
        return List.of(new CatalogApi(catalog, tokens, new ApiAuth(stores),
                        id -> dashboard.funnel().productIds(id, clock.instant(), FunnelStats.CATALOG_DAYS),
                        config.web().publicUrl())::mount,
                new FeedRoutes(catalog, tokens, stores)::mount);
    }

    /**
     * Store webhooks: the secrets API (store secret key) and, where this node collects ({@code log} not
     * null), the receivers, which store deliveries in the metadata database, and the worker that turns them
     * into events in {@code log} (through the collector's parser) and catalog products. The
     * secrets are encrypted with the keyring destinations use (the same configured keys or data-directory
     * file); those an older key holds are re-encrypted under the active one here.
     */
    public static List<Consumer<Router>> webhooks(ServerConfig config, Vertx vertx, Database database,
                                                  StoreRepository stores, EventLog log, Clock clock,
                                                  MeterRegistry metrics) {
        WebhookSecrets secrets = new WebhookSecrets(database.dataSource(), credentialKeys(config), clock);
        secrets.reencrypt();
        Consumer<Router> api = new WebhookApi(secrets, new ApiAuth(stores), config.web().publicUrl())::mount;
        if (log == null) {
            return List.of(api);
        }
        // Deliveries are stored in the metadata database and processed by one worker per server.
        WebhookReceiver.Pair webhooks = WebhookReceiver.create(database.dataSource(), stores, secrets, log,
                new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared()), EventTimePolicy.DEFAULT, clock,
                metrics);
        vertx.deployVerticle(webhooks.worker());
        return List.of(api, webhooks.receiver()::mount);
    }

    /**
     * The campaign API and the decision API (store secret key) over the metadata database, the
     * audiences port and the catalog.
     */
    public static List<Consumer<Router>> campaigns(Database database, StoreRepository stores, Audiences audiences,
                                                   Clock clock) {
        return campaigns(database, stores, audiences, clock, null);
    }

    /**
     * As above, where a creative that shows the segment's products and the segment names none shows
     * the person's recommendations ({@code recommendations}; null: the headline alone).
     */
    public static List<Consumer<Router>> campaigns(Database database, StoreRepository stores, Audiences audiences,
                                                   Clock clock, Recommendations recommendations) {
        JdbcCampaigns campaigns = new JdbcCampaigns(database.dataSource(), clock);
        JdbcOffers offers = new JdbcOffers(database.dataSource());
        audiences.onPersonErased((store, person, emailHashes) -> offers.forgetPerson(store, person));
        ApiAuth auth = new ApiAuth(stores);
        // The decision API first: Vert.x tries each route's path in order, and it is the hot one.
        return List.of(new DecisionApi(campaigns, offers, new JdbcCatalog(database.dataSource(), clock), audiences, auth,
                        clock, recommendations)::mount,
                new CampaignApi(campaigns, offers, audiences, auth)::mount);
    }

    /**
     * What persons and segments are recommended, over the catalog and the store's complements and
     * rules, with co-purchase counts that subscribe to {@code feed} here (one per server).
     */
    public static Recommendations recommender(Database database, EventFeed feed, Clock clock) {
        CoPurchases coPurchases = new CoPurchases();
        feed.subscribe(coPurchases);
        return new Recommendations(new JdbcCatalog(database.dataSource(), clock),
                new JdbcRecommendations(database.dataSource(), clock), coPurchases);
    }

    /**
     * Product recommendations and segment product sets (store secret key; the set feed with the catalog
     * feeds' token) over {@code recommendations} and the audiences port.
     */
    public static List<Consumer<Router>> recommendations(Recommendations recommendations, Database database,
                                                         StoreRepository stores, Audiences audiences, Clock clock) {
        ApiAuth auth = new ApiAuth(stores);
        return List.of(new RecommendationApi(recommendations, audiences, auth)::mount,
                new ProductSets(recommendations, audiences, new FeedTokens(database.dataSource(), clock), stores,
                        auth)::mount);
    }

    /**
     * Cart recovery links (docs/campaigns.md): the API that signs them (store secret key) and {@code /r/:token},
     * which follows one to the store's cart, links pointing at the configured public URL; and the
     * redemption API of Rebound-issued codes.
     */
    public static List<Consumer<Router>> recovery(ServerConfig config, Database database, StoreRepository stores,
                                                  Clock clock) {
        return List.of(new io.rebound.server.campaign.RecoveryApi(new io.rebound.server.campaign.RecoveryLinks(
                io.rebound.server.campaign.RecoveryLinks.key(database.dataSource())), new ApiAuth(stores),
                config.web().publicUrl(), clock)::mount,
                new io.rebound.server.campaign.CodesApi(new JdbcOffers(database.dataSource()),
                        new JdbcCampaigns(database.dataSource(), clock), new ApiAuth(stores), clock)::mount);
    }

    /**
     * Codes created in the store's shop (docs/campaigns.md): the code store API (credentials encrypted with
     * the credentials keyring) and, every {@code every}, a pass that creates each store's new codes in
     * Shopify or WooCommerce (or records the requests, in dry-run), on a worker thread of {@code vertx}.
     */
    public static List<Consumer<Router>> storeCodes(ServerConfig config, Vertx vertx, Database database,
                                                    StoreRepository stores, Clock clock, java.time.Duration every) {
        return storeCodes(config, Jobs.onVertx(vertx), database, stores, clock, every);
    }

    /** As above, the pass run by {@code jobs} (in a cluster: on the one node holding {@link #STORE_CODES}). */
    public static List<Consumer<Router>> storeCodes(ServerConfig config, Jobs jobs, Database database,
                                                    StoreRepository stores, Clock clock, java.time.Duration every) {
        io.rebound.server.campaign.JdbcCodeStores codeStores = new io.rebound.server.campaign.JdbcCodeStores(
                database.dataSource(), credentialKeys(config), clock);
        io.rebound.server.campaign.StoreCodePusher pusher = new io.rebound.server.campaign.StoreCodePusher(codeStores,
                new JdbcCampaigns(database.dataSource(), clock), new io.rebound.server.campaign.StoreDiscounts(
                        java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(10)).build()));
        jobs.every(STORE_CODES, every, pusher::runOnce);
        return List.of(new io.rebound.server.campaign.CodeStoreApi(codeStores, new ApiAuth(stores))::mount);
    }

    /** The name of the pass creating codes in the shops ({@link Jobs}). */
    public static final String STORE_CODES = "store-codes";
    /** The name of the email flow worker's pass ({@link Jobs}). */
    public static final String EMAIL_FLOWS = "email-flows";

    /**
     * Email (docs/campaigns.md, "Email"): the subscriber API and the unsubscribe endpoints always and,
     * where an SMTP host is configured ({@code REBOUND_SMTP_HOST}), the flow worker, run every
     * {@code pollEvery} on a worker thread of {@code vertx} (stopped with it).
     */
    public static List<Consumer<Router>> email(ServerConfig config, Vertx vertx, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock) {
        return email(config, vertx, database, stores, audiences, clock, ComplementaryProducts.CREATIVE);
    }

    /** As above, with the post-purchase flow's cross-sell chosen by {@code complements}. */
    public static List<Consumer<Router>> email(ServerConfig config, Vertx vertx, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock,
                                               ComplementaryProducts complements) {
        return email(config, System.getenv(), Jobs.onVertx(vertx), database, stores, audiences, clock, complements);
    }

    /**
     * As above, the SMTP settings read from {@code env} ({@code REBOUND_SMTP_HOST}, …) and the worker run by
     * {@code jobs} (in a cluster: on the one node holding {@link #EMAIL_FLOWS}).
     */
    public static List<Consumer<Router>> email(ServerConfig config, java.util.Map<String, String> env, Jobs jobs,
                                               Database database, StoreRepository stores, Audiences audiences,
                                               Clock clock, ComplementaryProducts complements) {
        java.net.URI publicUrl = config.web().publicUrl();
        if (publicUrl == null) {
            // Unsubscribe links must reach this server from the recipient's mail client: say so once.
            publicUrl = java.net.URI.create("http://localhost:" + config.port());
            if (env.get("REBOUND_SMTP_HOST") != null) {
                org.slf4j.LoggerFactory.getLogger(EmailFlows.class).warn("email is on but no public-url is set: "
                        + "unsubscribe links point at {}", publicUrl);
            }
        }
        // Without an SMTP host, the demo (and REBOUND_EMAIL_CAPTURE=true) runs the flows into the local
        // mailbox the dashboard shows.
        boolean capture = config.demo() || "true".equalsIgnoreCase(env.get("REBOUND_EMAIL_CAPTURE"));
        return email(EmailSettings.fromEnv(env, publicUrl), capture, jobs, database, stores, audiences, clock,
                complements);
    }

    /**
     * The post-purchase flow's cross-sell from the store's recommendations: the complements and
     * co-purchases of what the person bought, under the merchant rules (in stock, margin floor, never
     * bought), best first; the touch's own products when there are none or the person's state is not
     * readable here.
     */
    public static ComplementaryProducts crossSell(Recommendations recommendations, Audiences audiences) {
        return (storeId, personId, creative) -> {
            java.util.Optional<io.rebound.core.engine.PersonState> person = audiences.reader().person(storeId, personId);
            if (person.isEmpty()) {
                return creative;
            }
            int limit = creative.isEmpty() ? ComplementaryProducts.DEFAULT_COUNT : creative.size();
            List<String> ids = recommendations.forPerson(storeId, person.get(), limit).items().stream()
                    .filter(r -> r.reason() == Recommendation.Reason.COMPLEMENT
                            || r.reason() == Recommendation.Reason.CO_PURCHASED)
                    .map(Recommendation::productId).toList();
            return ids.isEmpty() ? creative : ids;
        };
    }

    /** As above with explicit settings (tests). */
    public static List<Consumer<Router>> email(EmailSettings settings, Vertx vertx, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock) {
        return email(settings, false, Jobs.onVertx(vertx), database, stores, audiences, clock,
                ComplementaryProducts.CREATIVE);
    }

    /**
     * As above; with {@code capture} and no SMTP host the flows run and each email goes to the local
     * mailbox ({@link CapturedMailbox}) instead of a server.
     */
    public static List<Consumer<Router>> email(EmailSettings settings, boolean capture, Jobs jobs, Database database,
                                               StoreRepository stores, Audiences audiences, Clock clock,
                                               ComplementaryProducts complements) {
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        UnsubscribeTokens tokens = new UnsubscribeTokens(queue.tokenKey());
        audiences.onPersonErased(queue::forgetPerson);
        MailTransport transport = settings.enabled() ? new SmtpSender(settings)
                : capture ? new CapturedMailbox(database.dataSource(), settings.from(), clock) : null;
        if (transport != null) {
            EmailFlows flows = new EmailFlows(queue, new JdbcCampaigns(database.dataSource(), clock),
                    new JdbcOffers(database.dataSource()), new JdbcCatalog(database.dataSource(), clock), audiences,
                    complements, transport, tokens,
                    settings, clock, new io.rebound.server.email.CartLinks(new io.rebound.server.campaign.RecoveryLinks(
                            io.rebound.server.campaign.RecoveryLinks.key(database.dataSource())), database.dataSource(),
                            audiences, settings.publicUrl()));
            jobs.every(EMAIL_FLOWS, settings.pollEvery(), flows::runOnce);
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
