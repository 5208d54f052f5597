package io.rebound.server.audience;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes an audience must reach before ad platforms serve it, and the traffic a store needs to
 * fill one. Defaults are the platforms' documented minimums (Meta, Google, Pinterest 100 matched
 * users; TikTok 1,000), 1,000 recommended for efficient delivery, and 500–1,000 unique visitors a
 * month below which retargeting cannot fill an audience.
 *
 * @param platformMinimums   platform → minimum audience size
 * @param recommendedSize    size recommended for efficient delivery
 * @param monthlyVisitorsLow below this many unique visitors in 30 days, prospect first
 * @param monthlyVisitorsOk  at or above this, retargeting can fill audiences
 */
public record ReadinessPolicy(Map<String, Integer> platformMinimums, int recommendedSize, int monthlyVisitorsLow,
                              int monthlyVisitorsOk) {

    public static final ReadinessPolicy DEFAULT = new ReadinessPolicy(defaultMinimums(), 1_000, 500, 1_000);

    public ReadinessPolicy {
        platformMinimums = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(platformMinimums));
    }

    private static Map<String, Integer> defaultMinimums() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("meta", 100);
        m.put("google", 100);
        m.put("pinterest", 100);
        m.put("tiktok", 1_000);
        return m;
    }

    /** A copy with one platform's minimum changed (or added). */
    public ReadinessPolicy withMinimum(String platform, int minimum) {
        Map<String, Integer> m = new LinkedHashMap<>(platformMinimums);
        m.put(platform, minimum);
        return new ReadinessPolicy(m, recommendedSize, monthlyVisitorsLow, monthlyVisitorsOk);
    }

    /** The store's traffic level for 30-day unique visitors: too_small, borderline or ready. */
    public String trafficLevel(long visitors) {
        return visitors < monthlyVisitorsLow ? "too_small" : visitors < monthlyVisitorsOk ? "borderline" : "ready";
    }
}
