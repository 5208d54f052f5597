package io.rebound.server.webhooks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.port.EventLog;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.BadRequest;
import io.rebound.server.collect.BatchResult;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.collect.ParsedBody;
import io.rebound.server.collect.RequestInfo;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Receives a store's signed webhooks: {@code POST /webhooks/{store}/shopify} and
 * {@code POST /webhooks/{store}/woocommerce}.
 *
 * <p>In this order: the body is bounded ({@value #MAX_BODY_BYTES} bytes, refused from its
 * Content-Length before it is read), the store must exist (404), WooCommerce's unsigned ping on
 * webhook creation is answered 200, the signature header must be there and be the HMAC of the raw
 * bytes under the store's secret (401, compared in constant time, before anything parses the body),
 * then the topic decides: an order topic becomes a Purchase, any other topic is answered 200 and
 * counted as ignored. A delivery id handled lately is answered 200 at once.
 *
 * <p>A Purchase goes through the collector's parser as a server-side ({@link Source#SERVER}) track
 * message and is appended to the event log; the answer is 200 only once the append is durable, and
 * 503 when the log cannot take it, so the platform delivers again. Redeliveries add nothing: the
 * event id is the order's ({@link OrderMessages}).
 */
public final class WebhookReceiver {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final Pattern WOO_PING = Pattern.compile("webhook_id=\\d{1,20}");
    private static final ObjectReader READER = Json.untrustedReader(Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));

    private final StoreRepository stores;
    private final WebhookSecrets secrets;
    private final EventLog log;
    private final CollectorParser parser;
    private final EventTimePolicy timePolicy;
    private final Clock clock;
    private final RecentDeliveries recent = new RecentDeliveries(100_000);
    private final Map<WebhookPlatform, Map<Outcome, Counter>> counters = new EnumMap<>(WebhookPlatform.class);

    /** What became of a delivery, the {@code outcome} tag of {@code rebound_webhooks_deliveries_total}. */
    enum Outcome {
        ACCEPTED, DUPLICATE, IGNORED, PING, UNAUTHORIZED, REJECTED, FAILED
    }

    /**
     * @param parser     the collector's parser, so an order is validated and hashed like any event
     * @param timePolicy the collector's event-time policy (orders older than it takes are ignored)
     */
    public WebhookReceiver(StoreRepository stores, WebhookSecrets secrets, EventLog log, CollectorParser parser,
                           EventTimePolicy timePolicy, Clock clock, MeterRegistry metrics) {
        this.stores = stores;
        this.secrets = secrets;
        this.log = log;
        this.parser = parser;
        this.timePolicy = timePolicy;
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

    /** What a delivery leads to, decided off the event loop: an answer, or events to append first. */
    private sealed interface Step {
    }

    /** Ends the response with {@code body}, counted as {@code outcome}. */
    private record Answer(WebhookPlatform platform, Outcome outcome, int status, JsonObject body) implements Step {
    }

    /** Appends {@code events}, then answers 200 (or 503 when the log cannot take them). */
    private record Append(WebhookPlatform platform, Store store, List<Event> events, String eventId,
                          String deliveryKey) implements Step {
    }

    private void receive(RoutingContext ctx) {
        Instant receivedAt = clock.instant();
        // The database reads and the HMAC run on a worker; the append runs back on this event loop.
        ctx.vertx().executeBlocking(() -> decide(ctx, receivedAt), false).onComplete(step -> {
            if (step.failed()) {
                ApiErrors.exception(ctx, step.cause());
            } else if (step.result() instanceof Answer a) {
                if (a.platform() != null) {
                    counter(a.platform(), a.outcome()).increment();
                }
                ApiErrors.json(ctx, a.status(), a.body());
            } else if (step.result() instanceof Append a) {
                append(ctx, a);
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
        Optional<Store> store = stores.byId(storeId);
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
        String topic = ctx.request().getHeader(platform.topicHeader());
        if (topic == null || !platform.orderTopics().contains(topic.strip())) {
            return new Answer(platform, Outcome.IGNORED, 200, new JsonObject().put("status", "ignored").put("reason",
                    "topic " + (topic == null ? "(none)" : "'" + clip(topic, 60) + "'") + " is not handled; handled: "
                            + String.join(", ", platform.orderTopics())));
        }
        String delivery = ctx.request().getHeader(platform.deliveryHeader());
        String deliveryKey = delivery == null || delivery.isBlank() ? null
                : storeId + "\u0000" + platform.id() + "\u0000" + clip(delivery.strip(), 200);
        if (deliveryKey != null && recent.contains(deliveryKey)) {
            return new Answer(platform, Outcome.DUPLICATE, 200, new JsonObject().put("status", "duplicate"));
        }
        JsonNode order;
        try {
            order = readOrder(raw);
        } catch (BadRequest e) {
            return problem(platform, Outcome.REJECTED, 400, e.error(), e.getMessage(), e.field());
        }
        Instant oldest = receivedAt.minus(timePolicy.maxAge());
        OrderMessages.Outcome mapped;
        try {
            mapped = platform == WebhookPlatform.SHOPIFY ? OrderMessages.shopify(order, oldest)
                    : OrderMessages.woocommerce(order, oldest);
        } catch (BadRequest e) {
            return problem(platform, Outcome.REJECTED, 400, e.error(), e.getMessage(), e.field());
        }
        return switch (mapped) {
            case OrderMessages.Ignored ignored -> {
                remember(deliveryKey);
                yield new Answer(platform, Outcome.IGNORED, 200, new JsonObject().put("status", "ignored")
                        .put("reason", ignored.reason()));
            }
            case OrderMessages.Purchase purchase -> parse(platform, store.get(), purchase, raw.length, deliveryKey,
                    receivedAt);
        };
    }

    /** The purchase through the collector's parser, as a server-side track message. */
    private Step parse(WebhookPlatform platform, Store store, OrderMessages.Purchase purchase, int rawSize,
                       String deliveryKey, Instant receivedAt) {
        BatchResult result = parser.parseSingle(new ParsedBody(purchase.message(), null, null, rawSize), "track",
                store, RequestInfo.NONE, receivedAt, Source.SERVER);
        if (!result.accepted().isEmpty()) {
            return new Append(platform, store, result.accepted(), purchase.eventId(), deliveryKey);
        }
        JsonObject body = new JsonObject().put("error", "invalid_order");
        if (result.rejected().isEmpty() || result.rejected().get(0).violations().isEmpty()) {
            body.put("message", "the order could not be read as a purchase");
        } else {
            JsonArray errors = new JsonArray();
            result.rejected().get(0).violations().forEach(v ->
                    errors.add(new JsonObject().put("field", v.field()).put("message", v.message())));
            Violation first = result.rejected().get(0).violations().get(0);
            body.put("message", first.toString()).put("field", first.field()).put("errors", errors);
        }
        return new Answer(platform, Outcome.REJECTED, 400, body);
    }

    /** Appends on the event loop (the log batches an event loop's appends into one write) and answers once durable. */
    private void append(RoutingContext ctx, Append a) {
        Future.fromCompletionStage(log.append(a.events()), ctx.vertx().getOrCreateContext())
                .onSuccess(v -> {
                    remember(a.deliveryKey());
                    counter(a.platform(), Outcome.ACCEPTED).increment();
                    ApiErrors.json(ctx, 200, new JsonObject().put("status", "accepted").put("event_id", a.eventId()));
                })
                .onFailure(err -> {
                    LOG.warn("a {} webhook for store {} was not stored: {}", a.platform().id(), a.store().id(),
                            err.toString());
                    counter(a.platform(), Outcome.FAILED).increment();
                    ctx.response().putHeader("Retry-After", "1");
                    ApiErrors.send(ctx, 503, "log_unavailable", "the event log could not store the order; nothing "
                            + "was accepted, deliver it again");
                });
    }

    /** The body as a JSON object. */
    private static JsonNode readOrder(byte[] raw) {
        try {
            JsonNode node = raw.length == 0 ? null : Json.readUntrusted(READER, raw);
            if (node != null && node.isObject()) {
                return node;
            }
            throw new BadRequest("body", "invalid_json", "the body must be a JSON object (the order)");
        } catch (InvalidNumberException e) {
            throw new BadRequest(e.field(), "invalid_json", e.getMessage());
        } catch (JacksonException e) {
            throw new BadRequest("body", "invalid_json", "the body is not valid JSON: "
                    + clip(String.valueOf(e.getOriginalMessage()), 200));
        } catch (IOException e) {
            throw new BadRequest("body", "invalid_json", "the body could not be read");
        }
    }

    private static Answer problem(WebhookPlatform platform, Outcome outcome, int status, String error, String message,
                                  String field) {
        JsonObject body = new JsonObject().put("error", error).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return new Answer(platform, outcome, status, body);
    }

    private void remember(String deliveryKey) {
        if (deliveryKey != null) {
            recent.add(deliveryKey);
        }
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
