package io.rebound.server.commerce;

import io.rebound.core.catalog.FeedPlatform;
import io.rebound.core.catalog.FeedWriter;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.meta.StoreRepository;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the catalog feeds the platforms fetch: {@code GET /feeds/:store/:file?token=…} with
 * {@code file} one of {@code google.xml}, {@code meta.csv}, {@code tiktok.xml}, {@code pinterest.xml}.
 * Platforms send no credentials, so the token in the URL is the credential ({@link FeedTokens}); a
 * wrong token, an unknown store and an unknown file all get the same 404.
 *
 * <p>The feed is streamed: products are read {@value #PAGE} at a time in id order, each page is
 * written as one chunk, and the next page is read only once the previous chunk has gone out, so a
 * feed of any size holds one page in memory (and no database connection while the client reads).
 * A client that accepts gzip gets it (the server's own compression is off; the feed compresses
 * well, about tenfold).
 */
public final class FeedRoutes {
    static final int PAGE = 500;
    private static final Logger LOG = LoggerFactory.getLogger(FeedRoutes.class);
    private static final long WRITE_TIMEOUT_SECONDS = 60;

    private final JdbcCatalog catalog;
    private final FeedTokens tokens;
    private final StoreRepository stores;

    public FeedRoutes(JdbcCatalog catalog, FeedTokens tokens, StoreRepository stores) {
        this.catalog = catalog;
        this.tokens = tokens;
        this.stores = stores;
    }

    /** {@code /feeds/<store>/<file>}, without the token. */
    static String path(String storeId, FeedPlatform platform) {
        return "/feeds/" + storeId + "/" + platform.fileName();
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
        HttpServerResponse response = ctx.response().setChunked(true)
                .putHeader("Content-Type", writer.contentType())
                .putHeader("Cache-Control", "private, no-cache")
                .putHeader("Vary", "Accept-Encoding")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (gzip) {
            response.putHeader("Content-Encoding", "gzip");
        }
        Chunks out = new Chunks(response, gzip);
        StringBuilder text = new StringBuilder(64 * 1024);
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
    }

    /** Sends text as chunks, gzip-compressed or not, waiting for each to be written before the next. */
    private static final class Chunks {
        private final HttpServerResponse response;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        private final GZIPOutputStream gzip;

        Chunks(HttpServerResponse response, boolean compress) {
            this.response = response;
            try {
                this.gzip = compress ? new GZIPOutputStream(bytes, 8192, true) : null;
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
            try {
                (last ? response.end(chunk) : response.write(chunk)).toCompletionStage().toCompletableFuture()
                        .get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending a feed", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the client stopped reading the feed", e);
            }
        }
    }
}
