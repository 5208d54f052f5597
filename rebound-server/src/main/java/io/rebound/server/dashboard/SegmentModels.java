package io.rebound.server.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.segment.Evaluation;
import io.rebound.core.segment.QualifyingAction;
import io.rebound.core.segment.SegmentEvaluator;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.audience.Recency;
import io.rebound.server.audience.SegmentRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the segment pages show, read from the audience runtime's committed state: list rows with
 * size, status, progress and per-platform readiness; the size history and recency histogram as
 * chart data; a sample of members; a visitor's memberships with reason and end.
 *
 * <p>The recency histogram counts members by whole days since their qualifying action (the core's
 * {@link QualifyingAction}: the last product view, add to cart or purchase the segment keys on),
 * which needs each member's person state: the runtime reads at most {@link #RECENCY_SAMPLE} of
 * them, an even sample of a larger segment, and the result is cached for 30 seconds per segment,
 * so a page view costs at most that many reads per half minute.
 */
final class SegmentModels {
    /** Members read for the recency chart at most; a larger segment is counted over an even sample this big. */
    static final int RECENCY_SAMPLE = 2_000;
    static final int SAMPLE_SIZE = 20;
    private static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final Map<String, String> PLATFORM_NAMES = Map.of("meta", "Meta", "google", "Google",
            "pinterest", "Pinterest", "tiktok", "TikTok");

    private final Audiences runtime;
    private final ReadinessPolicy policy;
    private final Cache<String, Optional<Recency>> recency = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30)).maximumSize(1_000).build();

    SegmentModels(Audiences runtime, ReadinessPolicy policy) {
        this.runtime = runtime;
        this.policy = policy;
    }

    Audiences runtime() {
        return runtime;
    }

    ReadinessPolicy policy() {
        return policy;
    }

    /** The store's traffic level for 30-day unique visitors: too_small, borderline or ready. */
    String trafficLevel(long visitors) {
        return policy.trafficLevel(visitors);
    }

    /** A list row / page header: id, name, status, progress, size and readiness. */
    Map<String, Object> row(SegmentRecord s) {
        long size = runtime.reader().size(s.storeId(), s.id());
        boolean building = s.status() == SegmentRecord.Status.BUILDING;
        BuildProgress p = building ? BuildProgress.of(runtime.progress(s.storeId(), s.id())) : BuildProgress.UNKNOWN;
        Map<String, Object> m = new HashMap<>();
        m.put("id", s.id());
        m.put("name", s.definition().name());
        m.put("description", s.definition().description());
        m.put("template", s.template());
        m.put("status", s.status().json());
        m.put("building", building);
        m.put("percent", p.percent() == null ? null : (int) Math.floor(p.percent()));
        m.put("personsDone", p.personsDone());
        m.put("personsTotal", p.personsTotal());
        m.put("eta", p.etaSeconds());
        m.put("size", size);
        m.put("sizeText", String.format(Locale.ENGLISH, "%,d", size));
        m.put("createdAt", s.createdAt().toString());
        m.putAll(readiness(size));
        return m;
    }

    /** Per-platform badges and the recommended size. */
    Map<String, Object> readiness(long size) {
        List<Map<String, Object>> platforms = new ArrayList<>();
        policy.platformMinimums().forEach((platform, min) -> platforms.add(Map.of(
                "platform", platform,
                "name", PLATFORM_NAMES.getOrDefault(platform, platform),
                "minimum", String.format(Locale.ENGLISH, "%,d", min),
                "ready", size >= min,
                "missing", String.format(Locale.ENGLISH, "%,d", Math.max(0, min - size)))));
        return Map.of("platforms", platforms,
                "recommended", String.format(Locale.ENGLISH, "%,d", policy.recommendedSize()),
                "meetsRecommended", size >= policy.recommendedSize());
    }

    /** Size over time: the hourly samples plus the current size now, as chart JSON. */
    String sizeChart(SegmentRecord s, Instant now) {
        List<AudienceReader.SizeSample> samples = runtime.reader().sizes(s.storeId(), s.id(), 1_000);
        JsonArray labels = new JsonArray();
        JsonArray data = new JsonArray();
        for (AudienceReader.SizeSample x : samples) {
            labels.add(LABEL.format(x.at()));
            data.add(x.size());
        }
        labels.add("now");
        data.add(runtime.reader().size(s.storeId(), s.id()));
        return chart("line", "Members", labels, data, "Time (UTC)", "Members");
    }

    /** Days with a bar of their own on the recency chart: the qualifying action's window, between 7 and 90. */
    static int recencyDays(SegmentRecord s) {
        long days = (QualifyingAction.of(s.definition()).window().toHours() + 23) / 24;
        return (int) Math.max(7, Math.min(90, days));
    }

    /** The recency panel's model: members by days since their qualifying action, cached for 30 s per segment. */
    Map<String, Object> recency(SegmentRecord s, Instant now) {
        String key = s.storeId() + '\0' + s.id() + '\0' + s.updatedAt();
        Optional<Recency> r = recency.get(key,
                k -> runtime.reader().recency(s, recencyDays(s), RECENCY_SAMPLE, now));
        return recencyModel(r, s);
    }

    /**
     * What the recency panel shows for {@code recency}: the chart, the same figures as table rows,
     * the action and whether the counts are a sample; {@code available} false (cluster mode) when
     * there is no recency to show.
     */
    static Map<String, Object> recencyModel(Optional<Recency> recency, SegmentRecord s) {
        Map<String, Object> m = new HashMap<>();
        m.put("available", recency.isPresent());
        m.put("action", recency.map(Recency::action).orElse(QualifyingAction.of(s.definition()).name()));
        recency.ifPresent(r -> {
            m.put("chart", recencyChart(r));
            m.put("rows", recencyRows(r));
            m.put("days", r.days());
            m.put("sample", r.isSample());
            m.put("sampled", String.format(Locale.ENGLISH, "%,d", r.sampled()));
            m.put("members", String.format(Locale.ENGLISH, "%,d", r.members()));
            long leaving = r.sampled() - r.counted();
            m.put("leaving", leaving == 0 ? null : String.format(Locale.ENGLISH, "%,d", leaving));
        });
        return m;
    }

    private static String recencyChart(Recency r) {
        JsonArray labels = new JsonArray();
        JsonArray data = new JsonArray();
        int n = r.days();
        for (int i = 0; i < n; i++) {
            labels.add(String.valueOf(i));
            data.add(r.counts().get(i));
        }
        if (r.counts().get(n) > 0) {
            labels.add(n + "+");
            data.add(r.counts().get(n));
        }
        return chart("bar", r.isSample() ? "Members in the sample" : "Members", labels, data,
                "Days since last " + r.action(), r.isSample() ? "Members in the sample" : "Members");
    }

    /** Recency as rows for the accessible table beside the chart. */
    private static List<Map<String, Object>> recencyRows(Recency r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = r.days();
        for (int i = 0; i <= n; i++) {
            if (i < n || r.counts().get(n) > 0) {
                rows.add(Map.of("days", i < n ? String.valueOf(i) : n + " or more", "members", r.counts().get(i)));
            }
        }
        return rows;
    }

    /** The first members in person-id order, each with the visitor id the visitor page opens. */
    List<Map<String, Object>> sample(SegmentRecord s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AudienceReader.Member m : runtime.reader().members(s.storeId(), s.id(), null, SAMPLE_SIZE)) {
            PersonIds ids = runtime.reader().ids(s.storeId(), m.personId());
            String visitor = ids.anonymousIds().stream().findFirst().or(() -> ids.userIds().stream().findFirst()).orElse(null);
            String user = ids.userIds().stream().findFirst().orElse(null);
            Map<String, Object> row = new HashMap<>();
            row.put("personId", m.personId());
            row.put("visitor", visitor);
            row.put("userId", user);
            row.put("joinedAt", m.joinedAt().toString());
            out.add(row);
        }
        return out;
    }

    /** The 30-day visitor count every page shows, from the audiences. */
    Traffic traffic() {
        return new Traffic((store, now) -> runtime.reader().uniqueVisitors30d(store, now), policy);
    }

    /** The visitor's current memberships: segment, since, the reason it holds, and when it ends by time alone. */
    List<Map<String, Object>> memberships(String storeId, String visitorId) {
        try {
            runtime.awaitCaughtUp(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Audiences.VisitorMemberships.Membership v : runtime.visitor(storeId, visitorId).memberships()) {
            if (v.name() == null) {
                continue; // deleted meanwhile
            }
            Map<String, Object> m = new HashMap<>();
            m.put("segmentId", v.segmentId());
            m.put("segmentName", v.name());
            m.put("since", v.joinedAt().toString());
            m.put("reason", v.reason());
            m.put("until", v.endsAt() == null ? null : v.endsAt().toString());
            out.add(m);
        }
        return out;
    }

    /** Chart JSON for dashboard.js; {@code <} is escaped so the text cannot end its script element. */
    private static String chart(String type, String label, JsonArray labels, JsonArray data, String xTitle, String yTitle) {
        return new JsonObject().put("type", type).put("label", label).put("labels", labels).put("data", data)
                .put("xTitle", xTitle).put("yTitle", yTitle).encode().replace("<", "\\u003c");
    }
}
