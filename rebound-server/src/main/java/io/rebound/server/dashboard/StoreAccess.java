package io.rebound.server.dashboard;

import io.rebound.core.store.Store;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * Tenant isolation for every {@code /dashboard/stores/{store}/...} page: the signed-in user must
 * be a member of the store, otherwise the answer is 404 — the same as for a store that does not
 * exist, so a page never reveals that another tenant's store id is real. Call from a worker
 * ({@code blockingHandler}): it reads the metadata database.
 */
final class StoreAccess {
    private final UserRepository users;
    private final StoreRepository stores;
    private final Views views;

    StoreAccess(UserRepository users, StoreRepository stores, Views views) {
        this.users = users;
        this.stores = stores;
        this.views = views;
    }

    /** The path's store if the user may see it; otherwise ends the response with 404 and returns empty. */
    Optional<Store> store(RoutingContext ctx) {
        Optional<Store> store = visible(DashboardAuth.userId(ctx), ctx.pathParam("store"));
        if (store.isEmpty()) {
            views.error(ctx, 404, "Store not found", "There is no such store in your account.");
        }
        return store;
    }

    /** {@code handler} for the path's store, run once {@link #store} found it visible to the user. */
    Handler<RoutingContext> withStore(BiConsumer<RoutingContext, Store> handler) {
        return ctx -> store(ctx).ifPresent(store -> handler.accept(ctx, store));
    }

    /** A page of one item of a store: a segment, a campaign, a destination. */
    @FunctionalInterface
    interface ItemPage<T> {
        void handle(RoutingContext ctx, Store store, T item);
    }

    /** {@code page} for the path's store and the item {@code find} finds in it; otherwise {@code find} showed the 404. */
    <T> Handler<RoutingContext> withItem(BiFunction<RoutingContext, Store, Optional<T>> find, ItemPage<T> page) {
        return withStore((ctx, store) -> find.apply(ctx, store).ifPresent(item -> page.handle(ctx, store, item)));
    }

    Optional<Store> visible(long userId, String storeId) {
        if (userId < 0 || storeId == null || !users.isMember(userId, storeId)) {
            return Optional.empty();
        }
        return stores.byId(storeId);
    }

    List<Store> storesOf(long userId) {
        return users.storeIds(userId).stream().map(stores::byId).flatMap(Optional::stream).toList();
    }

    /** The model every store page starts from: the store, the user's stores for the switcher, the active tab. */
    Map<String, Object> model(RoutingContext ctx, Store store, String tab, String title) {
        Map<String, Object> m = new HashMap<>();
        m.put("store", store);
        m.put("stores", storesOf(DashboardAuth.userId(ctx)));
        m.put("tab", tab);
        m.put("title", title + " · " + store.name());
        m.put("base", "/dashboard/stores/" + store.id());
        return m;
    }
}
