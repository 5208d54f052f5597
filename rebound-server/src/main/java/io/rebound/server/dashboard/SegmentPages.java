package io.rebound.server.dashboard;

import io.rebound.core.store.Store;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Segment pages; placeholder until the audience runtime is wired. */
final class SegmentPages {
    private SegmentPages() {
    }

    static void mountIfAvailable(Router router, StoreAccess access, Views views) {
        router.get("/dashboard/stores/:store/segments").blockingHandler(ctx -> placeholder(ctx, access, views), false);
    }

    private static void placeholder(RoutingContext ctx, StoreAccess access, Views views) {
        Optional<Store> store = access.store(ctx);
        if (store.isEmpty()) {
            return;
        }
        Map<String, Object> m = access.model(ctx, store.get(), "segments", "Segments");
        views.page(ctx, 200, "segments-unavailable", m);
    }

    static List<Map<String, Object>> memberships(String storeId, String visitorId, Instant now) {
        return List.of();
    }
}
