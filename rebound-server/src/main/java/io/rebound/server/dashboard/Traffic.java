package io.rebound.server.dashboard;

import io.rebound.server.audience.ReadinessPolicy;

import java.time.Instant;
import java.util.function.ToLongBiFunction;

/**
 * "Unique visitors in the last 30 days" and what it means for retargeting, one definition for every
 * page (funnel, segments) and the readiness API: the audiences port's count
 * ({@link io.rebound.server.audience.AudienceView#uniqueVisitors30d}) judged by the {@link ReadinessPolicy}.
 */
record Traffic(ToLongBiFunction<String, Instant> counter, ReadinessPolicy policy) {

    long visitors30d(String storeId, Instant now) {
        return counter.applyAsLong(storeId, now);
    }

    /** Without an audience runtime (tests of the insight pages alone): the funnel's own count. */
    static Traffic ofFunnel(FunnelStats funnel) {
        return new Traffic((store, now) -> funnel.report(store, 30, now).visitors30d(), ReadinessPolicy.DEFAULT);
    }
}
