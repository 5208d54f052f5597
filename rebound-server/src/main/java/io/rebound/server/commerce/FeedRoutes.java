package io.rebound.server.commerce;

import io.rebound.core.catalog.FeedPlatform;
import io.rebound.core.catalog.FeedWriter;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the catalog feeds the platforms fetch: {@code GET /feeds/:store/:file?token=…} with
 * {@code file} one of {@code google.xml}, {@code meta.csv}, {@code tiktok.xml}, {@code pinterest.xml}.
 * Platforms send no credentials, so the token in the URL is the credential ({@link FeedTokens}); a
 * wrong token, an unknown store and an unknown file all get the same 404.
 *
 * <p>The feed is streamed: products are read {@value #PAGE} at a time in id order and each page is
 * written as one chunk; the next page is read and written while the previous chunk goes out, and
 * then waits for it, so a feed of any size holds at most two pages in memory (and no database
 * connection while the client reads).
 * A client that accepts gzip gets it (the server's own compression is off; the feed compresses
 * well, about tenfold).
 *
 * <p>Each feed carries an {@code ETag} (the catalog's version, the platform, the store's name and
 * the encoding) and a {@code Last-Modified} (when the catalog last changed, deletions included), and
 * a conditional GET whose {@code If-None-Match} (or, without one, {@code If-Modified-Since}) still
 * matches is answered 304 without reading a product.
 *
 * @param catalog the products the feeds list
 * @param tokens  the feed tokens a request must carry
 * @param stores  the stores, for a feed's store name
 */
public record FeedRoutes(JdbcCatalog catalog, FeedTokens tokens, StoreRepository stores) {
    static final int PAGE = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(FeedRoutes.class);
    private static final long WRITE_TIMEOUT_SECONDS = 60;

    /** {@code /feeds/<store>/<file>}, without the token. */
    static String path(String storeId, FeedPlatform platform) {
        return "/feeds/" + storeId + "/" + platform.fileName();
    }

    /** A feed's full URL: {@code base} (scheme, host, port), the path and the token. */
    public static String url(String base, String storeId, FeedPlatform platform, String token) {
        return base.replaceAll("/+$", "") + path(storeId, platform) + "?token=" + token;
    }

    public void mount(Router router) {
        router.get("/feeds/:store/:file").blockingHandler(ctx -> {
            try {
                serve(ctx);
            } catch (RuntimeException e) {
                if (ctx.response().headWritten()) {
                    // Too late for a status: cut the response short so the platform sees a broken feed,
                    // not a truncated one that looks complete.
                    LOG.warn("feed {} failed while streaming: {}", ctx.request().path(), e.toString());
                    ctx.response().reset();
                } else {
                    ApiErrors.exception(ctx, e);
                }
            }
        }, false);
    }

    private void serve(RoutingContext ctx) {
        String storeId = ctx.pathParam("store");
        Optional<FeedPlatform> platform = FeedPlatform.byFileName(ctx.pathParam("file"));
        String token = ctx.queryParams().get("token");
        Optional<Store> store = platform.isPresent() && storeId.length() <= 40 && tokens.matches(storeId, token)
                ? stores.byId(storeId) : Optional.empty();
        if (store.isEmpty()) {
            ApiErrors.send(ctx, 404, "feed_not_found", "no feed at this URL: ask GET /api/v1/stores/{store}/catalog/feeds "
                    + "for the store's feed URLs");
            return;
        }
        FeedWriter writer = platform.get().writer();
        String accept = ctx.request().getHeader("Accept-Encoding");
        boolean gzip = accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("gzip");
        JdbcCatalog.Change change = catalog.change(storeId);
        String etag = etag(change, platform.get(), store.get().name(), gzip);
        HttpServerResponse response = ctx.response()
                .putHeader("Cache-Control", "private, no-cache")
                .putHeader("Vary", "Accept-Encoding")
                .putHeader("ETag", etag);
        if (change.changedAt() != null) {
            response.putHeader("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    change.changedAt().atOffset(ZoneOffset.UTC)));
        }
        if (notModified(ctx.request().getHeader("If-None-Match"), ctx.request().getHeader("If-Modified-Since"),
                etag, change.changedAt())) {
            response.setStatusCode(304).end();
            return;
        }
        response.setChunked(true)
                .putHeader("Content-Type", writer.contentType())
                .putHeader("X-Content-Type-Options", "nosniff");
        if (gzip) {
            response.putHeader("Content-Encoding", "gzip");
        }
        Chunks out = new Chunks(response, gzip);
        StringBuilder text = new StringBuilder(256 * 1024);
        String feedUrl = ctx.request().scheme() + "://" + ctx.request().authority() + path(storeId, platform.get());
        writer.begin(new FeedWriter.FeedInfo(store.get().name(), feedUrl,
                "Product catalog of " + store.get().name() + ", served by Rebound"), text);
        String after = null;
        while (true) {
            List<JdbcCatalog.Entry> page = catalog.page(storeId, after, PAGE);
            for (JdbcCatalog.Entry e : page) {
                writer.item(e.product(), text);
            }
            if (page.size() < PAGE) {
                break;
            }
            after = page.getLast().product().id();
            out.send(text, false);
        }
        writer.end(text);
        out.send(text, true);
        out.await();
    }

    /**
     * A strong validator of the feed's bytes: they change with the catalog's version, the store's name
     * (the RSS channel's title) and the encoding, and differ between platforms.
     */
    static String etag(JdbcCatalog.Change change, FeedPlatform platform, String storeName, boolean gzip) {
        return "\"" + platform.id() + "-" + change.version() + "-"
                + Integer.toHexString(storeName.hashCode()) + (gzip ? "-gzip" : "") + "\"";
    }

    /**
     * RFC 9110 section 13.1: with {@code If-None-Match}, 304 when one of its tags (weak comparison) or
     * {@code *} matches and {@code If-Modified-Since} is ignored; without it, 304 when the catalog has
     * not changed since that date (second precision, as HTTP dates are). An unreadable date is ignored.
     */
    static boolean notModified(String ifNoneMatch, String ifModifiedSince, String etag, Instant changedAt) {
        if (ifNoneMatch != null) {
            String mine = etag.substring(1, etag.length() - 1);
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.strip();
                if (t.startsWith("W/")) {
                    t = t.substring(2);
                }
                if (t.equals("*") || t.equals(etag) || t.equals(mine)) {
                    return true;
                }
            }
            return false;
        }
        if (ifModifiedSince == null || changedAt == null || ifModifiedSince.length() > 64) {
            return false;
        }
        try {
            Instant since = ZonedDateTime.parse(ifModifiedSince.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return !changedAt.truncatedTo(ChronoUnit.SECONDS).isAfter(since);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Sends text as chunks, gzip-compressed (at the fastest level: a feed is text that compresses
     * about tenfold even so) or not. A chunk is handed to the connection at once and the next page is
     * read and written while it goes out; only then does {@link #send} wait for it, so at most two
     * chunks are held and a client that stops reading stops the feed within {@value #WRITE_TIMEOUT_SECONDS} s.
     */
    private static final class Chunks {
        private final HttpServerResponse response;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        private final GZIPOutputStream gzip;
        private Future<Void> inFlight;

        Chunks(HttpServerResponse response, boolean compress) {
            this.response = response;
            try {
                this.gzip = compress ? new GZIPOutputStream(bytes, 64 * 1024, true) {
                    {
                        def.setLevel(Deflater.BEST_SPEED);
                    }
                } : null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void send(StringBuilder text, boolean last) {
            byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
            text.setLength(0);
            Buffer chunk;
            if (gzip == null) {
                chunk = Buffer.buffer(raw);
            } else {
                try {
                    gzip.write(raw);
                    if (last) {
                        gzip.finish();
                    } else {
                        gzip.flush();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                chunk = Buffer.buffer(bytes.toByteArray());
                bytes.reset();
            }
            await();
            inFlight = last ? response.end(chunk) : response.write(chunk);
        }

        /** Waits until the chunk last handed over is written. */
        void await() {
            if (inFlight == null) {
                return;
            }
            try {
                inFlight.toCompletionStage().toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending a feed", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the client stopped reading the feed", e);
            } finally {
                inFlight = null;
            }
        }
    }
}
