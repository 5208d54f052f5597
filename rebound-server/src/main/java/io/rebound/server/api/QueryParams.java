package io.rebound.server.api;

import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** Query parameters of the admin API, parsed one way everywhere: a bad one is a {@link BadRequest} naming it. */
public final class QueryParams {

    private QueryParams() {
    }

    /** Parameter {@code name} as a whole number within {@code min..max}; {@code dflt} when absent or empty. */
    public static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
        long v = longParam(ctx, name, dflt);
        if (v < min || v > max) {
            throw new BadRequest(name, name + " must be within " + min + ".." + max);
        }
        return (int) v;
    }

    /** Parameter {@code name} as a non-negative whole number; {@code dflt} when absent or empty. */
    public static long longParam(RoutingContext ctx, String name, long dflt) {
        String raw = ctx.queryParams().get(name);
        if (raw == null || raw.isEmpty()) {
            return dflt;
        }
        try {
            long v = Long.parseLong(raw);
            if (v < 0) {
                throw new BadRequest(name, name + " must not be negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BadRequest(name, name + " must be a whole number");
        }
    }

    /**
     * Keyset pagination: the key after which a page starts, from the opaque {@code ?cursor=} (base64url of
     * the last key of the page before), or null for the first page. A cursor that does not decode to a key
     * {@code validKey} accepts is a {@link BadRequest}, never silently the first page.
     */
    public static String cursorParam(RoutingContext ctx, Predicate<String> validKey) {
        String cursor = ctx.queryParams().get("cursor");
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        String key;
        try {
            key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            key = null;
        }
        if (key == null || key.isEmpty() || !validKey.test(key)) {
            throw new BadRequest("cursor", "cursor must be a next_cursor value returned by this endpoint");
        }
        return key;
    }

    /** The {@code next_cursor} after a page of at most {@code limit} rows, or null when it was the last page. */
    public static <T> String nextCursor(List<T> page, int limit, Function<T, String> key) {
        if (page.size() < limit) {
            return null;
        }
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(key.apply(page.getLast()).getBytes(StandardCharsets.UTF_8));
    }
}
