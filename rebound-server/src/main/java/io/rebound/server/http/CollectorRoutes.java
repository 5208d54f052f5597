package io.rebound.server.http;

import io.rebound.server.api.ApiErrors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.port.EventLog;
import io.rebound.core.store.Store;
import io.rebound.server.collect.BatchResult;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.collect.GifParser;
import io.rebound.server.collect.ParsedBody;
import io.rebound.server.collect.RateLimiter;
import io.rebound.server.collect.RequestInfo;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The collector's HTTP contract: the pixel endpoint and its GIF fallback, and the Segment
 * HTTP Tracking API (long and short paths, Basic auth, CORS, size limits, settings).
 *
 * <p>Every accepted event is appended to the event log and the response is sent only after
 * the append is durable. Rejections are 4xx with the field and the problem; in a batch,
 * valid events are kept and each rejected one is listed.
 *
 * <p>Limits, cheapest first: a token per request from the client's address before the body is
 * read ({@link ClientLimit}), then, once the request is parsed, its events against that address
 * and against the write key. The write key's store is looked up without blocking the event loop.
 */
public final class CollectorRoutes {
    public static final int MAX_BATCH_BYTES = 500 * 1024;
    public static final int MAX_EVENT_BYTES = 32 * 1024;
    private static final byte[] GIF = Base64.getDecoder().decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");

    private final StoreRepository stores;
    private final EventLog log;
    private final CollectorParser parser;
    private final GifParser gifParser;
    private final RateLimiter rateLimiter;
    private final ClientLimit clientLimit;
    private final Clock clock;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter bots;
    private final Counter clickIdsDropped;
    private final Timer appendLatency;
    private final URI publicUrl;
    private final TrustedProxies proxies;

    /**
     * @param rateLimiter   events per write key
     * @param clientLimiter events per client address, checked first on every route; null for none
     * @param publicUrl     where the collector is reached (the settings endpoint points analytics.js there),
     *                      or null to use the request's Host
     * @param proxies       the peers whose forwarding headers give the client's address
     */
    public CollectorRoutes(StoreRepository stores, EventLog log, CollectorParser parser, GifParser gifParser,
                           RateLimiter rateLimiter, RateLimiter clientLimiter, Clock clock, MeterRegistry metrics,
                           URI publicUrl, TrustedProxies proxies) {
        this.publicUrl = publicUrl;
        this.proxies = proxies;
        this.stores = stores;
        this.clientLimit = new ClientLimit(clientLimiter, proxies);
        this.log = log;
        this.parser = parser;
        this.gifParser = gifParser;
        this.rateLimiter = rateLimiter;
        this.clock = clock;
        this.accepted = Counter.builder("rebound.events.accepted").description("events durably appended")
                .register(metrics);
        this.rejected = Counter.builder("rebound.events.rejected").description("events rejected as invalid")
                .register(metrics);
        this.bots = Counter.builder("rebound.events.bots").description("events filtered as bots").register(metrics);
        this.clickIdsDropped = Counter.builder("rebound.events.click_ids_dropped")
                .description("events whose ad platforms' click ids were dropped: consent does not allow advertising")
                .register(metrics);
        this.appendLatency = Timer.builder("rebound.log.append").description("time to a durable append")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    public void mount(Router router) {
        // Before anything reads or parses the request (and before CORS: a preflight costs a token too).
        router.route("/v1/*").handler(clientLimit::handle);
        // No origin configured = any origin ("*"): the pixel and analytics.js run on the store's domain.
        CorsHandler cors = CorsHandler.create()
                .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
                .allowedHeaders(Set.of("Content-Type", "Authorization", "Content-Encoding"))
                .allowCredentials(false)
                .maxAgeSeconds(86_400);
        // Only browsers' cross-origin requests (and every preflight) carry Origin; servers sending
        // Segment calls do not, and need no CORS headers.
        router.route("/v1/*").handler(ctx -> {
            if (ctx.request().headers().contains(HttpHeaders.ORIGIN)) {
                cors.handle(ctx);
            } else {
                ctx.next();
            }
        });
        BodyHandler batchBody = BodyHandler.create(false).setBodyLimit(MAX_BATCH_BYTES);
        BodyHandler eventBody = BodyHandler.create(false).setBodyLimit(MAX_EVENT_BYTES);

        router.post("/v1/collect").handler(batchBody).handler(ctx -> batch(ctx, Source.PIXEL));
        router.post("/v1/batch").handler(batchBody).handler(ctx -> batch(ctx, Source.SEGMENT));
        router.post("/v1/import").handler(batchBody).handler(ctx -> batch(ctx, Source.SEGMENT));
        for (var single : Map.of("track", "track", "t", "track", "page", "page", "p", "page",
                "identify", "identify", "i", "identify", "screen", "screen", "alias", "alias", "a", "alias",
                "group", "group").entrySet()) {
            router.post("/v1/" + single.getKey()).handler(eventBody)
                    .handler(ctx -> single(ctx, single.getValue()));
        }
        router.get("/v1/collect.gif").handler(this::gif);
        router.get("/v1/projects/:writeKey/settings").handler(this::settings);
    }

    private void batch(RoutingContext ctx, Source source) {
        handle(ctx, source, null);
    }

    private void single(RoutingContext ctx, String impliedType) {
        handle(ctx, Source.SEGMENT, impliedType);
    }

    private void handle(RoutingContext ctx, Source source, String impliedType) {
        Instant receivedAt = clock.instant();
        ParsedBody body;
        try {
            Buffer raw = ctx.body().buffer();
            if (raw == null || raw.length() == 0) {
                ApiErrors.send(ctx, 400, "invalid_body", "the request body is empty; send a JSON object", "body");
                return;
            }
            body = parser.readBody(raw.getBytes());
        } catch (InvalidEventException e) {
            ApiErrors.violations(ctx, 400, "invalid_body", e.violations());
            return;
        }
        authenticate(ctx, body.writeKey(), store -> accept(ctx, source, impliedType, body, store, receivedAt));
    }

    private void accept(RoutingContext ctx, Source source, String impliedType, ParsedBody body, Store store,
                        Instant receivedAt) {
        RequestInfo info = requestInfo(ctx, proxies);
        BatchResult result;
        try {
            result = impliedType == null
                    ? parser.parseBatch(body, store, info, receivedAt, source)
                    : parser.parseSingle(body, impliedType, store, info, receivedAt, source);
        } catch (InvalidEventException e) {
            ApiErrors.violations(ctx, 400, "invalid_body", e.violations());
            return;
        }
        int messages = result.accepted().size() + result.rejected().size() + result.filteredBots();
        if (!withinLimits(ctx, store, Math.max(1, messages))) {
            return;
        }
        rejected.increment(result.rejected().size());
        bots.increment(result.filteredBots());
        clickIdsDropped.increment(result.clickIdsDropped());
        if (result.rejected().isEmpty() && result.filteredBots() == 0 && !result.accepted().isEmpty()) {
            appendThenAcknowledge(ctx, result, "{\"success\":true,\"accepted\":" + result.accepted().size() + "}");
            return;
        }
        JsonObject response = summary(result);
        if (result.accepted().isEmpty()) {
            int status = result.rejected().isEmpty() ? 200 : 400;
            if (status == 400) {
                var first = result.rejected().get(0).violations();
                response.put("error", "invalid_events").put("message", firstMessage(result));
                if (!first.isEmpty()) {
                    response.put("field", first.get(0).field());
                }
            }
            ApiErrors.json(ctx, status, response);
            return;
        }
        appendThenAcknowledge(ctx, result, response.encode());
    }

    /** Appends the accepted events and answers 200 with {@code body} only once they are durable. */
    private void appendThenAcknowledge(RoutingContext ctx, BatchResult result, String body) {
        long start = System.nanoTime();
        Future.fromCompletionStage(log.append(result.accepted()), ctx.vertx().getOrCreateContext())
                .onSuccess(v -> {
                    appendLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    accepted.increment(result.accepted().size());
                    if (!ctx.response().ended()) {
                        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body);
                    }
                })
                .onFailure(err -> {
                    ctx.response().putHeader("Retry-After", "1");
                    ApiErrors.send(ctx, 503, "log_unavailable", "the event log could not store the events; "
                            + "nothing was accepted, retry", null);
                });
    }

    private static String firstMessage(BatchResult result) {
        var first = result.rejected().get(0);
        return first.violations().isEmpty() ? "invalid event" : first.violations().get(0).toString();
    }

    private static JsonObject summary(BatchResult result) {
        JsonArray rejections = new JsonArray();
        for (var r : result.rejected()) {
            JsonArray errors = new JsonArray();
            for (Violation v : r.violations()) {
                errors.add(new JsonObject().put("field", v.field()).put("message", v.message()));
            }
            rejections.add(new JsonObject().put("index", r.index()).put("messageId", r.messageId())
                    .put("errors", errors));
        }
        JsonObject out = new JsonObject().put("success", result.rejected().isEmpty())
                .put("accepted", result.accepted().size());
        if (result.filteredBots() > 0) {
            out.put("filtered_bots", result.filteredBots());
        }
        if (!rejections.isEmpty()) {
            out.put("rejected", rejections);
        }
        return out;
    }

    /**
     * Write key from HTTP Basic (Segment's way: key as user name) or from the body's writeKey; its
     * store is given to {@code then}, or the request is answered with 401.
     */
    private void authenticate(RoutingContext ctx, String bodyWriteKey, Consumer<Store> then) {
        String key = bodyWriteKey;
        String auth = ctx.request().getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                key = colon >= 0 ? decoded.substring(0, colon) : decoded;
            } catch (IllegalArgumentException e) {
                ApiErrors.send(ctx, 401, "invalid_authorization", "Authorization header is not valid Basic base64", null);
                return;
            }
        }
        if (key == null || key.isBlank()) {
            ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"rebound\"");
            ApiErrors.send(ctx, 401, "missing_write_key", "send the write key as the Basic auth user name or as "
                    + "\"writeKey\" in the body", "writeKey");
            return;
        }
        lookUp(ctx, key, store -> {
            if (store.isEmpty()) {
                ApiErrors.send(ctx, 401, "unknown_write_key", "no store has this write key", "writeKey");
            } else {
                then.accept(store.get());
            }
        });
    }

    /**
     * The store of {@code key}, given to {@code then} on the request's event loop: at once when it is
     * in memory, else after the repository read it on its own threads (JDBC never runs on the loop).
     */
    private void lookUp(RoutingContext ctx, String key, Consumer<Optional<Store>> then) {
        CompletableFuture<Optional<Store>> lookup;
        try {
            lookup = stores.lookupWriteKey(key).toCompletableFuture();
        } catch (RuntimeException e) {
            lookup = CompletableFuture.failedFuture(e);
        }
        if (lookup.isDone() && !lookup.isCompletedExceptionally()) {
            then.accept(lookup.join());
            return;
        }
        Future.fromCompletionStage(lookup, ctx.vertx().getOrCreateContext()).onComplete(store -> {
            if (ctx.response().ended()) {
                return;
            }
            if (store.succeeded()) {
                then.accept(store.result());
            } else {
                ctx.response().putHeader("Retry-After", "1");
                ApiErrors.send(ctx, 503, "store_lookup_unavailable", "the write key could not be looked up; retry",
                        null);
            }
        });
    }

    /**
     * Charges {@code events} to the client address (beyond the request's own token) and then to
     * the write key; false when either is spent, after answering 429 with {@code Retry-After}.
     */
    private boolean withinLimits(RoutingContext ctx, Store store, int events) {
        if (!clientLimit.chargeEvents(ctx, events)) {
            return false;
        }
        long waitNanos = rateLimiter.tryAcquire(store.writeKey(), events, System.nanoTime());
        if (waitNanos > 0) {
            long seconds = RateLimiter.retryAfterSeconds(waitNanos);
            ctx.response().putHeader("Retry-After", String.valueOf(seconds));
            ApiErrors.send(ctx, 429, "rate_limited", "too many events for this write key; retry after "
                    + seconds + " s", null);
            return false;
        }
        return true;
    }

    static RequestInfo requestInfo(RoutingContext ctx, TrustedProxies proxies) {
        return new RequestInfo(ctx.request().getHeader("User-Agent"), proxies.clientIp(ctx.request()),
                "1".equals(ctx.request().getHeader("Sec-GPC")));
    }

    private void gif(RoutingContext ctx) {
        Instant receivedAt = clock.instant();
        Map<String, String> query = new HashMap<>();
        ctx.queryParams().forEach(e -> query.put(e.getKey(), e.getValue()));
        // The <noscript> snippet cannot know its page; the browser's Referer header does.
        String referer = ctx.request().getHeader("Referer");
        if (!query.containsKey("u") && referer != null) {
            query.put("u", referer);
        }
        authenticate(ctx, query.get("k"), store -> gif(ctx, query, store, receivedAt));
    }

    private void gif(RoutingContext ctx, Map<String, String> query, Store store, Instant receivedAt) {
        if (!withinLimits(ctx, store, 1)) {
            return;
        }
        BatchResult result;
        try {
            result = gifParser.parse(query, store, requestInfo(ctx, proxies), receivedAt);
        } catch (InvalidEventException e) {
            ApiErrors.violations(ctx, 400, "invalid_event", e.violations());
            return;
        }
        if (!result.rejected().isEmpty()) {
            ApiErrors.violations(ctx, 400, "invalid_event", result.rejected().get(0).violations());
            return;
        }
        clickIdsDropped.increment(result.clickIdsDropped());
        Future.fromCompletionStage(log.append(result.accepted()), ctx.vertx().getOrCreateContext())
                .onSuccess(v -> {
                    accepted.increment(result.accepted().size());
                    ctx.response().putHeader("Content-Type", "image/gif")
                            .putHeader("Cache-Control", "no-store").end(Buffer.buffer(GIF));
                })
                .onFailure(err -> {
                    ctx.response().putHeader("Retry-After", "1");
                    ApiErrors.send(ctx, 503, "log_unavailable", "the event log could not store the event; retry", null);
                });
    }

    /** What analytics.js (analytics-next) loads at start-up, pointing it back at this server. */
    private void settings(RoutingContext ctx) {
        String writeKey = ctx.pathParam("writeKey");
        lookUp(ctx, writeKey, store -> {
            if (store.isEmpty()) {
                ApiErrors.send(ctx, 404, "unknown_write_key", "no store has this write key", "writeKey");
            } else {
                settings(ctx, writeKey, store.get());
            }
        });
    }

    private void settings(RoutingContext ctx, String writeKey, Store store) {
        // Publicly cacheable, so never built from a header a cache does not key on (X-Forwarded-Host):
        // the configured public URL, else the request's own Host, which every cache keys on.
        String host;
        String proto;
        if (publicUrl != null) {
            host = publicUrl.getRawAuthority() + Optional.ofNullable(publicUrl.getRawPath()).orElse("");
            proto = publicUrl.getScheme();
        } else {
            host = ctx.request().authority() == null ? "localhost" : ctx.request().authority().toString();
            if (!host.matches("[A-Za-z0-9.\\-:\\[\\]]{1,255}")) {
                host = "localhost";
            }
            proto = proxies.scheme(ctx.request());
        }
        JsonObject segmentIo = new JsonObject().put("apiKey", writeKey).put("apiHost", host + "/v1")
                .put("protocol", proto).put("addBundledMetadata", false).put("unbundledIntegrations", new JsonArray());
        JsonObject settings = new JsonObject()
                .put("integrations", new JsonObject().put("Segment.io", segmentIo))
                .put("plan", new JsonObject()
                        .put("track", new JsonObject().put("__default", new JsonObject().put("enabled", true)))
                        .put("identify", new JsonObject().put("__default", new JsonObject().put("enabled", true))))
                .put("edgeFunction", new JsonObject())
                .put("analyticsNextEnabled", true)
                .put("middlewareSettings", new JsonObject())
                .put("enabledMiddleware", new JsonObject())
                .put("metrics", new JsonObject().put("sampleRate", 0))
                .put("legacyVideoPluginsEnabled", false)
                .put("remotePlugins", new JsonArray())
                .put("rebound", new JsonObject().put("consentRequired", store.consentRequired()));
        ctx.response().putHeader("Cache-Control", "public, max-age=60");
        ApiErrors.json(ctx, 200, settings);
    }

    static List<String> paths() {
        return List.of("/v1/collect", "/v1/batch", "/v1/track", "/v1/page", "/v1/identify");
    }
}
