package io.rebound.server.dashboard;

import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.server.activation.Activation;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.commerce.FeedTokens;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.feed.EventFeed;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store owner's web app under {@code /dashboard}: assembly of sign-in ({@link DashboardAuth}),
 * the store pages, the live debugger, the funnel, the visitor page, the segment pages (over the
 * audience runtime, when {@link #attachAudiences} was called) and the destination pages (over
 * activation, when {@link #attachActivation} was called), the campaign pages (with the segment pages), plus
 * the indexer listener that keeps their aggregates current.
 *
 * <p>The funnel aggregate ({@link FunnelStats}) lives in memory. At start it is rebuilt by one
 * pass over the visitor event table (RocksDB, through a snapshot) on a background thread; events
 * that the indexer delivers meanwhile are queued and applied afterwards unless the snapshot
 * already held them, so nothing is counted twice or missed. Memory is an in-memory structure
 * rather than a RocksDB family because it is small (a few ints per visitor) and must answer
 * range queries without I/O; the price is one scan at start-up.
 */
public final class Dashboard {
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    public static final String DEMO_EMAIL = "demo@rebound.local";
    public static final String DEMO_PASSWORD = "rebound-demo";

    private final Vertx vertx;
    private final StoreRepository stores;
    private final MeterRegistry metrics;
    private final DashboardSettings settings;
    private final UserRepository users;
    private final SetupProgress setup;
    private final FunnelStats funnel = new FunnelStats();
    private final LiveEvents live;
    private final Views views = new Views();
    private final DashboardAuth auth;
    private final long started;
    private final AtomicLong lastPrune = new AtomicLong();
    private volatile boolean rebuilt;
    private volatile SegmentModels segments;
    private volatile Activation activation;
    private final javax.sql.DataSource dataSource;
    private volatile JdbcCatalog catalog;
    private volatile FeedTokens feedTokens;

    public Dashboard(Vertx vertx, Database database, StoreRepository stores, EventFeed feed,
                     MeterRegistry metrics, DashboardSettings settings) {
        this.vertx = vertx;
        this.stores = stores;
        this.metrics = metrics;
        this.settings = settings;
        this.dataSource = database.dataSource();
        this.users = new UserRepository(database.dataSource(), settings.hasher(), settings.clock());
        this.setup = new SetupProgress(database.dataSource());
        this.live = new LiveEvents(vertx, settings.liveStreamsPerStore(), settings.liveStreams());
        this.auth = new DashboardAuth(vertx, users, stores, settings, views);
        this.started = System.nanoTime();
        feed.subscribe(new EventFeed.Subscriber() {
            @Override
            public void replayed(Event event) {
                funnel.accept(event);
                recordSetup(event);
            }

            @Override
            public void replayDone(long replayed, List<Event> arrivedMeanwhile) {
                arrivedMeanwhile.forEach(funnel::accept);
                rebuilt = true;
                LOG.info("dashboard: funnel rebuilt from {} stored events in {} ms", replayed,
                        (System.nanoTime() - started) / 1_000_000);
            }

            @Override
            public void accepted(List<Event> batch) {
                onEvents(batch);
            }

            @Override
            public void duplicates(List<Event> batch) {
                batch.forEach(live::publishDuplicate);
            }
        });
    }

    public UserRepository users() {
        return users;
    }

    /** The live debugger's recent rows (what the live page shows first). */
    public LiveEvents live() {
        return live;
    }

    public FunnelStats funnel() {
        return funnel;
    }

    /**
     * Privacy erasure: the in-memory views (live debugger rows, funnel visitors) forget these visitor
     * ids of the store, as the stored events and memberships already have.
     */
    public void forget(String storeId, java.util.Set<String> visitorIds) {
        live.forget(storeId, visitorIds);
        funnel.forget(storeId, visitorIds);
    }

    /** Whether the funnel aggregate has been rebuilt from stored events (live events count from then on). */
    public boolean ready() {
        return rebuilt;
    }

    /**
     * While no account exists: makes the one-time code that creating the first account requires
     * and prints it to the log, once. Call when the server listens; {@code dashboardUrl} is for the
     * message. Returns the code, or empty when an account exists.
     */
    public java.util.Optional<String> openSetup(String dashboardUrl) {
        java.util.Optional<String> code = auth.openSetup();
        code.ifPresent(c -> LOG.warn("\n\n    No dashboard account exists yet. Create the first one at {}\n"
                + "    with this one-time setup code (valid until the first account exists; a restart prints a new one):"
                + "\n\n        Setup code: {}\n", dashboardUrl, c));
        return code;
    }

    /** Signed-in dashboard sessions held in memory now. */
    public int sessionCount() {
        return auth.sessionCount();
    }

    /** The demo login, created or reset idempotently, with access to the demo store. */
    public UserRepository.User ensureDemoUser(String demoStoreId) {
        UserRepository.User user = users.ensure(DEMO_EMAIL, DEMO_PASSWORD);
        users.addMember(user.id(), demoStoreId);
        return user;
    }

    /**
     * Shows the audience runtime's segments and memberships; call before {@link #mount}. Without
     * it the segment tab says the audience engine is not running.
     */
    public void attachAudiences(Audiences runtime, ReadinessPolicy policy) {
        this.segments = new SegmentModels(runtime, policy);
    }

    /**
     * Shows the store's destinations (status, connect, test, requests) and each segment's destinations;
     * call before {@link #mount}. Without it there is no destinations page.
     */
    public void attachActivation(Activation activation) {
        this.activation = activation;
    }

    /**
     * Shows the store's catalog (the Products page) and, on the funnel page, whether the events' product
     * ids are in it; call before {@link #mount}. Without it there is no Products page.
     */
    public void attachCatalog(JdbcCatalog catalog, FeedTokens tokens) {
        this.catalog = catalog;
        this.feedTokens = tokens;
    }

    /** Adds every dashboard route; called once per HTTP instance's router. */
    public void mount(Router router) {
        router.get("/dashboard/assets/vendor/*").handler(StaticHandler.create("META-INF/resources/webjars")
                .setMaxAgeSeconds(86_400));
        router.get("/dashboard/assets/*").handler(StaticHandler.create("web/dashboard").setMaxAgeSeconds(300));
        auth.mountFilters(router);
        router.get("/dashboard").handler(ctx -> Views.secure(ctx).setStatusCode(302)
                .putHeader("Location", "/dashboard/stores").end());
        StoreAccess access = new StoreAccess(users, stores, views);
        new StorePages(access, users, stores, setup, views, settings).mount(router);
        SegmentModels audiences = segments;
        new InsightPages(access, funnel, live, audiences == null ? null : audiences.runtime(), metrics, views,
                settings.clock(), this::ready,
                audiences == null ? SegmentPages.Memberships.NONE : audiences::memberships,
                audiences == null ? Traffic.ofFunnel(funnel) : audiences.traffic(), catalog).mount(router);
        DestinationModels destinations = activation == null ? null : new DestinationModels(activation,
                audiences == null ? null : audiences.runtime(),
                audiences == null ? ReadinessPolicy.DEFAULT : audiences.policy());
        if (destinations != null) {
            new DestinationPages(access, views, destinations, settings.clock()).mount(router);
        }
        if (catalog != null) {
            new ProductPages(access, views, catalog, feedTokens, settings.publicUrl()).mount(router);
        }
        SegmentPages.mountIfAvailable(router, access, views, audiences, settings.clock(),
                settings.segmentsPerStore(), destinations);
        if (audiences != null) {
            new CampaignPages(access, views, audiences, dataSource, settings.clock(), settings.segmentsPerStore())
                    .mount(router);
        }
        router.route("/dashboard/*").failureHandler(ctx -> {
            if (ctx.statusCode() == 404 || ctx.statusCode() == 405) {
                views.error(ctx, ctx.statusCode(), "Not found", "There is no such page.");
                return;
            }
            if (ctx.statusCode() == 413) {
                views.error(ctx, 413, "Too large", "The form is larger than the dashboard takes (256 KB); "
                        + "send a larger catalog file through the API (docs/catalog.md).");
                return;
            }
            LOG.error("dashboard failed on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
            views.error(ctx, 500, "Something went wrong", "The page could not be shown; the error has been logged.");
        });
        router.route("/dashboard/*").handler(ctx -> views.error(ctx, 404, "Not found", "There is no such page."));
    }

    private void onEvents(List<Event> batch) {
        List<FunnelStats.Diagnosis> diagnoses = new ArrayList<>(batch.size());
        boolean counting = rebuilt; // until the replay is done, its handover counts these
        for (Event e : batch) {
            recordSetup(e);
            diagnoses.add(counting ? funnel.accept(e) : FunnelStats.Diagnosis.NONE);
        }
        for (int i = 0; i < batch.size(); i++) {
            live.publish(batch.get(i), diagnoses.get(i));
        }
        long now = settings.clock().millis();
        long last = lastPrune.get();
        if (now - last > 3_600_000 && lastPrune.compareAndSet(last, now)) {
            funnel.prune(settings.clock().instant());
        }
    }

    private void recordSetup(Event e) {
        try {
            setup.record(e);
        } catch (RuntimeException ex) {
            LOG.warn("setup checklist not updated: {}", ex.getMessage());
        }
    }
}
