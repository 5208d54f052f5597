package io.rebound.server.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.port.EventLog;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Receives a store's signed webhooks: {@code POST /webhooks/{store}/shopify} and
 * {@code POST /webhooks/{store}/woocommerce}.
 *
 * <p>In this order: the body is bounded ({@value #MAX_BODY_BYTES} bytes, refused from its
 * Content-Length before it is read), the store must exist (404), WooCommerce's unsigned ping on
 * webhook creation is answered 200, the signature header must be there and be the HMAC of the raw
 * bytes under the store's secret (401, compared in constant time, before anything parses the body),
 * then the topic decides: a handled topic ({@link WebhookPlatform#topics()}) goes on, any other is
 * answered 200 and counted as ignored. A delivery id already stored is answered 200 as a duplicate
 * (found when the inbox inserts it).
 *
 * <p>The delivery is then read as it will be processed ({@link Deliveries}), so a malformed one is a
 * 400 naming the field and is not stored; a good one is appended, raw, to the {@link WebhookInbox}
 * and answered 200 once that append is committed (503 with Retry-After when it cannot be). The
 * {@link WebhookWorker} processes it afterwards: the answer never waits for the event log or the
 * catalog, which is what keeps a platform that disables slow endpoints (WooCommerce) content.
 */
public final class WebhookReceiver {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final Pattern WOO_PING = Pattern.compile("webhook_id=\\d{1,20}");
    private static final Pattern SHOP_DOMAIN = Pattern.compile("[a-z0-9][a-z0-9.-]{0,250}");

    private final StoreRepository stores;
    private final WebhookSecrets secrets;
    private final WebhookInbox inbox;
    private final Deliveries deliveries;
    private final Clock clock;
    private final Map<WebhookPlatform, Map<Outcome, Counter>> counters = new EnumMap<>(WebhookPlatform.class);
    private volatile Runnable wake = () -> { };

    /** What became of a delivery, the {@code outcome} tag of {@code rebound_webhooks_deliveries_total}. */
    enum Outcome {
        ACCEPTED, DUPLICATE, IGNORED, PING, UNAUTHORIZED, REJECTED, FAILED, STORED, PROCESSING_IGNORED,
        PROCESSING_REJECTED
    }

    WebhookReceiver(StoreRepository stores, WebhookSecrets secrets, WebhookInbox inbox, Deliveries deliveries,
                    Clock clock, MeterRegistry metrics) {
        this.stores = stores;
        this.secrets = secrets;
        this.inbox = inbox;
        this.deliveries = deliveries;
        this.clock = clock;
        for (WebhookPlatform p : WebhookPlatform.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, Counter.builder("rebound.webhooks.deliveries")
                        .description("store webhook deliveries, by platform and what became of them")
                        .tag("platform", p.id()).tag("outcome", o.name().toLowerCase(Locale.ROOT)).register(metrics));
            }
            counters.put(p, byOutcome);
        }
    }

    /**
     * The receiver and its worker over one inbox in the metadata database: mount the receiver on the
     * routers, deploy the worker once.
     *
     * @param parser     the collector's parser, so an order is validated and hashed like any event
     * @param timePolicy the collector's event-time policy (orders older than it takes are ignored)
     */
    public static Pair create(DataSource dataSource, StoreRepository stores, WebhookSecrets secrets, EventLog log,
                              CollectorParser parser, EventTimePolicy timePolicy, Clock clock, MeterRegistry metrics) {
        JdbcCatalog catalog = new JdbcCatalog(dataSource, clock);
        Deliveries deliveries = new Deliveries(parser, timePolicy, catalog);
        WebhookInbox inbox = new WebhookInbox(dataSource);
        WebhookReceiver receiver = new WebhookReceiver(stores, secrets, inbox, deliveries, clock, metrics);
        WebhookProcessor processor = new WebhookProcessor(inbox, deliveries, stores, log, catalog, clock,
                (platform, outcome) -> receiver.counter(platform, switch (outcome) {
                    case "stored" -> Outcome.STORED;
                    case "ignored" -> Outcome.PROCESSING_IGNORED;
                    default -> Outcome.PROCESSING_REJECTED;
                }).increment());
        WebhookWorker worker = new WebhookWorker(processor, inbox);
        receiver.wake = worker::wake;
        return new Pair(receiver, worker);
    }

    /** A receiver and the worker that processes what it stores. */
    public record Pair(WebhookReceiver receiver, WebhookWorker worker) {
    }

    /** The path a store's platform posts to. */
    public static String path(String storeId, WebhookPlatform platform) {
        return "/webhooks/" + storeId + "/" + platform.id();
    }

    public void mount(Router router) {
        router.post("/webhooks/:store/:platform")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
                .handler(this::receive)
                .failureHandler(ctx -> ApiErrors.failure(ctx, "1 MB"));
    }

    /** What a delivery leads to, decided off the event loop: an answer, or a delivery to store first. */
    private sealed interface Step {
    }

    /** Ends the response with {@code body}, counted as {@code outcome}. */
    private record Answer(WebhookPlatform platform, Outcome outcome, int status, JsonObject body) implements Step {
    }

    /** Stores {@code delivery} in the inbox, then answers 200 with {@code body} (503 when it cannot). */
    private record Store(WebhookInbox.Delivery delivery, JsonObject body, boolean ignored) implements Step {
    }

    private void receive(RoutingContext ctx) {
        Instant receivedAt = clock.instant();
        // The database reads and the HMAC run on a worker; the inbox commits in groups on its own thread.
        ctx.vertx().executeBlocking(() -> decide(ctx, receivedAt), false).onComplete(step -> {
            if (step.failed()) {
                ApiErrors.exception(ctx, step.cause());
            } else if (step.result() instanceof Answer a) {
                if (a.platform() != null) {
                    counter(a.platform(), a.outcome()).increment();
                }
                ApiErrors.json(ctx, a.status(), a.body());
            } else if (step.result() instanceof Store s) {
                store(ctx, s);
            }
        });
    }

    private Step decide(RoutingContext ctx, Instant receivedAt) {
        Optional<WebhookPlatform> found = WebhookPlatform.byId(ctx.pathParam("platform"));
        if (found.isEmpty()) {
            return problem(null, Outcome.REJECTED, 404, "unknown_platform", "webhooks are received at "
                    + "/webhooks/{store}/shopify and /webhooks/{store}/woocommerce", null);
        }
        WebhookPlatform platform = found.get();
        String storeId = ctx.pathParam("store");
        Optional<io.rebound.core.store.Store> store = stores.byId(storeId);
        if (store.isEmpty()) {
            return problem(platform, Outcome.REJECTED, 404, "store_not_found", "no store '" + clip(storeId, 60)
                    + "': check the store id in the webhook URL", null);
        }
        byte[] raw = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String signature = ctx.request().getHeader(platform.signatureHeader());
        if (platform == WebhookPlatform.WOOCOMMERCE && signature == null && isWooPing(raw)) {
            // WooCommerce pings the URL, unsigned, when the webhook is saved, and refuses to save it on a non-2xx.
            return new Answer(platform, Outcome.PING, 200, new JsonObject().put("status", "pong"));
        }
        if (signature == null || signature.isBlank()) {
            return problem(platform, Outcome.UNAUTHORIZED, 401, "missing_signature", platform.signatureHeader()
                    + " is missing: " + platform.displayName() + " signs every delivery with it",
                    platform.signatureHeader());
        }
        Optional<String> secret = secrets.secret(storeId, platform);
        if (secret.isEmpty()) {
            return problem(platform, Outcome.UNAUTHORIZED, 401, "webhook_secret_not_set", "no "
                    + platform.displayName() + " webhook secret is set for this store: set it with PUT /api/v1/stores/"
                    + storeId + "/webhooks/" + platform.id(), null);
        }
        if (!Signatures.verify(raw, signature, secret.get())) {
            return problem(platform, Outcome.UNAUTHORIZED, 401, "invalid_signature", platform.signatureHeader()
                    + " is not the HMAC-SHA256 of the body under this store's " + platform.displayName()
                    + " secret: check that the secret set in Rebound is the one " + platform.displayName()
                    + " signs with", platform.signatureHeader());
        }
        String header = ctx.request().getHeader(platform.topicHeader());
        String topic = header == null ? null : header.strip();
        if (topic == null || !platform.topics().contains(topic)) {
            return new Answer(platform, Outcome.IGNORED, 200, new JsonObject().put("status", "ignored").put("reason",
                    "topic " + (topic == null ? "(none)" : "'" + clip(topic, 60) + "'") + " is not handled; handled: "
                            + String.join(", ", platform.topics())));
        }
        String given = ctx.request().getHeader(platform.deliveryHeader());
        boolean named = given != null && !given.isBlank() && given.strip().length() <= 200;
        // A repeat is found by the inbox's insert, without a read of its own on this path.
        String deliveryId = named ? given.strip() : "rebound-" + UUID.randomUUID();
        String shopDomain = shopDomain(ctx.request().getHeader("X-Shopify-Shop-Domain"));
        Deliveries.Work work = deliveries.map(platform, topic, raw, shopDomain, store.get(), receivedAt);
        WebhookInbox.Delivery delivery = new WebhookInbox.Delivery(storeId, platform, deliveryId, topic, shopDomain,
                raw, receivedAt);
        return switch (work) {
            case Deliveries.Rejected r -> new Answer(platform, Outcome.REJECTED, 400, r.body());
            // Nothing to process: stored only so that its repeats are answered as such.
            case Deliveries.Ignored i -> new Store(delivery, new JsonObject().put("status", "ignored")
                    .put("reason", i.reason()), true);
            case Deliveries.Events e -> new Store(delivery, new JsonObject().put("status", "accepted")
                    .put("event_id", e.eventId()), false);
            case Deliveries.Products p -> {
                JsonObject o = new JsonObject().put("status", "accepted").put("products", new JsonArray(
                        p.products().stream().map(c -> (Object) c.id()).toList()));
                if (!p.refused().isEmpty()) {
                    o.put("refused", new JsonArray(List.copyOf(p.refused())));
                }
                yield new Store(delivery, o, false);
            }
        };
    }

    /** Appends to the inbox and answers once the append is committed. */
    private void store(RoutingContext ctx, Store s) {
        WebhookPlatform platform = s.delivery().platform();
        boolean ignored = s.ignored();
        Future.fromCompletionStage(inbox.append(s.delivery()), ctx.vertx().getOrCreateContext())
                .onSuccess(isNew -> {
                    if (!isNew) {
                        counter(platform, Outcome.DUPLICATE).increment();
                        ApiErrors.json(ctx, 200, new JsonObject().put("status", "duplicate"));
                        return;
                    }
                    counter(platform, ignored ? Outcome.IGNORED : Outcome.ACCEPTED).increment();
                    ApiErrors.json(ctx, 200, s.body());
                    wake.run();
                })
                .onFailure(err -> {
                    LOG.warn("a {} webhook for store {} was not stored: {}", platform.id(), s.delivery().storeId(),
                            err.toString());
                    counter(platform, Outcome.FAILED).increment();
                    ctx.response().putHeader("Retry-After", "1");
                    ApiErrors.send(ctx, 503, "inbox_unavailable", "the delivery could not be stored; nothing was "
                            + "accepted, deliver it again");
                });
    }

    private static String shopDomain(String header) {
        if (header == null) {
            return null;
        }
        String d = header.strip().toLowerCase(Locale.ROOT);
        return SHOP_DOMAIN.matcher(d).matches() ? d : null;
    }

    private static Answer problem(WebhookPlatform platform, Outcome outcome, int status, String error, String message,
                                  String field) {
        JsonObject body = new JsonObject().put("error", error).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return new Answer(platform, outcome, status, body);
    }

    private static boolean isWooPing(byte[] raw) {
        return raw.length > 0 && raw.length <= 40
                && WOO_PING.matcher(new String(raw, StandardCharsets.US_ASCII).strip()).matches();
    }

    private Counter counter(WebhookPlatform platform, Outcome outcome) {
        return counters.get(platform).get(outcome);
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "…" : s;
    }
}
