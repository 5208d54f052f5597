package io.rebound.server.api;

import io.vertx.ext.web.RoutingContext;

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
}
