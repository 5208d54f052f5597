package io.rebound.server.api;

import io.rebound.core.store.Store;
import io.rebound.server.meta.StoreKeys;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Who may call the admin API. Tenant endpoints take the store's secret key, as
 * {@code Authorization: Bearer sk_...} or HTTP Basic with the secret as user name (how Segment
 * clients send keys); store administration takes the admin token as a Bearer token. A write key
 * authenticates nothing here: it is public.
 *
 * <p>Each {@code require*} method either returns what the caller may act on, or has already
 * ended the response (401, 403 or 404) and returns empty/false. A key of store A used on store
 * B's path gets the same 404 as a store that does not exist, so tenants cannot probe each other.
 *
 * <p>A secret-key check reads the metadata database (an indexed lookup; deliberately not cached,
 * so that a rotated key stops working at once on every node). Prefer calling it from a worker
 * ({@code blockingHandler} / {@code executeBlocking}) rather than an event loop.
 */
public final class ApiAuth {
    private final StoreRepository stores;

    public ApiAuth(StoreRepository stores) {
        this.stores = stores;
    }

    /** The store at {@code storeId} if the request carries that store's secret key. */
    public Optional<Store> requireStore(RoutingContext ctx, String storeId) {
        Optional<String> key = credential(ctx);
        if (key.isEmpty()) {
            ApiErrors.unauthorized(ctx, "this endpoint needs the store's secret key: "
                    + "send 'Authorization: Bearer sk_...'");
            return Optional.empty();
        }
        return storeForKey(ctx, key.get(), storeId);
    }

    /** {@code handler} for the path's {@code :store}, run once {@link #requireStore} found it. */
    public Handler<RoutingContext> withStore(BiConsumer<RoutingContext, Store> handler) {
        return ctx -> requireStore(ctx, ctx.pathParam("store")).ifPresent(store -> handler.accept(ctx, store));
    }

    /**
     * What {@code find} finds in the path's {@code :store} ({@link #requireStore}): a segment, campaign,
     * destination…; empty once the response has ended, by the store check or by {@code notFound} (given the
     * store) when {@code find} finds nothing there.
     */
    public <T> Optional<T> findInStore(RoutingContext ctx, Function<Store, Optional<T>> find, Consumer<Store> notFound) {
        Optional<Store> store = requireStore(ctx, ctx.pathParam("store"));
        Optional<T> found = store.flatMap(find);
        if (store.isPresent() && found.isEmpty()) {
            notFound.accept(store.get());
        }
        return found;
    }

    /**
     * True if the request carries {@code adminToken} as a Bearer token (compared in constant time).
     * Otherwise ends the response: 401 without credentials, 403 with other credentials (a store's
     * keys included), 403 when no admin token is configured at all.
     */
    public boolean requireAdmin(RoutingContext ctx, String adminToken) {
        if (adminToken == null || adminToken.isBlank()) {
            ApiErrors.send(ctx, 403, "admin_disabled",
                    "store administration over HTTP is disabled: start the server with an admin token "
                            + "(REBOUND_ADMIN_TOKEN), or stop it and use 'rebound stores'");
            return false;
        }
        Optional<String> key = credential(ctx);
        if (key.isEmpty()) {
            ApiErrors.unauthorized(ctx, "this endpoint needs the admin token: send 'Authorization: Bearer <token>'");
            return false;
        }
        if (!StoreKeys.constantTimeEquals(key.get(), adminToken)) {
            ApiErrors.send(ctx, 403, "forbidden", "this endpoint needs the admin token; store keys cannot use it");
            return false;
        }
        return true;
    }

    /**
     * The store at {@code storeId} if the request carries the admin token or that store's secret
     * key. With the admin token, an unknown store is a 404; otherwise as {@link #requireStore}.
     */
    public Optional<Store> requireStoreOrAdmin(RoutingContext ctx, String storeId, String adminToken) {
        Optional<String> key = credential(ctx);
        if (key.isEmpty()) {
            ApiErrors.unauthorized(ctx, "this endpoint needs the store's secret key or the admin token: "
                    + "send 'Authorization: Bearer <key>'");
            return Optional.empty();
        }
        if (adminToken != null && !adminToken.isBlank() && StoreKeys.constantTimeEquals(key.get(), adminToken)) {
            Optional<Store> store = stores.byId(storeId);
            if (store.isEmpty()) {
                ApiErrors.storeNotFound(ctx, storeId);
            }
            return store;
        }
        return storeForKey(ctx, key.get(), storeId);
    }

    private Optional<Store> storeForKey(RoutingContext ctx, String key, String storeId) {
        if (key.startsWith(StoreKeys.WRITE_KEY_PREFIX)) {
            ApiErrors.unauthorized(ctx, "a write key only sends events; use the store's secret key (sk_...)");
            return Optional.empty();
        }
        Optional<Store> store = stores.bySecretKey(key);
        if (store.isEmpty()) {
            ApiErrors.unauthorized(ctx, "unknown or revoked secret key");
            return Optional.empty();
        }
        if (!store.get().id().equals(storeId)) {
            ApiErrors.storeNotFound(ctx, storeId);
            return Optional.empty();
        }
        return store;
    }

    /** The key from {@code Bearer <key>} or Basic {@code base64(key:)}; empty when absent or malformed. */
    static Optional<String> credential(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null) {
            return Optional.empty();
        }
        header = header.strip();
        int space = header.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
        String value = header.substring(space + 1).strip();
        String key = switch (scheme) {
            case "bearer" -> value;
            case "basic" -> basicUser(value);
            default -> null;
        };
        return key == null || key.isEmpty() ? Optional.empty() : Optional.of(key);
    }

    private static String basicUser(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        // Some clients put the key in the password field instead; accept that too.
        return user.isEmpty() && colon >= 0 ? decoded.substring(colon + 1) : user;
    }
}
