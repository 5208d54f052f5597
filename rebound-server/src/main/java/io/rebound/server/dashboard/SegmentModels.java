package io.rebound.server.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.engine.PersonState;
import io.rebound.core.segment.Evaluation;
import io.rebound.core.segment.SegmentEvaluator;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.ReadinessPolicy;
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
 * <p>The recency histogram needs every member's join instant, i.e. a scan of the segment's member
 * index (one key per member, prefix-bounded to this store and segment). It is cached for 30
 * seconds per segment and capped at {@link #RECENCY_SCAN_LIMIT} members, so a page view costs at
 * most one bounded scan per half minute.
 */
final class SegmentModels {
    static final int RECENCY_SCAN_LIMIT = 200_000;
    static final int SAMPLE_SIZE = 20;
    private static final int SCAN_PAGE = 5_000;
    private static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final Map<String, String> PLATFORM_NAMES = Map.of("meta", "Meta", "google", "Google",
            "pinterest", "Pinterest", "tiktok", "TikTok");

    /** Members by whole days since joining: {@code counts[i]} joined i days ago; the last bucket is "N or more". */
    record Recency(long[] counts, boolean older, long scanned, boolean capped) {
    }

    private final EmbeddedAudienceRuntime runtime;
    private final ReadinessPolicy policy;
    private final Cache<String, Recency> recency = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30)).maximumSize(1_000).build();

    SegmentModels(EmbeddedAudienceRuntime runtime, ReadinessPolicy policy) {
        this.runtime = runtime;
        this.policy = policy;
    }

    EmbeddedAudienceRuntime runtime() {
        return runtime;
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

    /** Days shown on the recency chart: the segment's longest window, between 7 and 90. */
    static int recencyDays(SegmentRecord s) {
        long days = (s.definition().longestWindow().toHours() + 23) / 24;
        return (int) Math.max(7, Math.min(90, days));
    }

    Recency recency(SegmentRecord s, Instant now) {
        String key = s.storeId() + '\0' + s.id() + '\0' + s.updatedAt();
        return recency.get(key, k -> scanRecency(s, now));
    }

    private Recency scanRecency(SegmentRecord s, Instant now) {
        int n = recencyDays(s);
        long[] counts = new long[n + 1];
        long scanned = 0;
        String after = null;
        while (scanned < RECENCY_SCAN_LIMIT) {
            List<AudienceReader.Member> page = runtime.reader().members(s.storeId(), s.id(), after,
                    (int) Math.min(SCAN_PAGE, RECENCY_SCAN_LIMIT - scanned));
            for (AudienceReader.Member m : page) {
                long days = Math.max(0, Duration.between(m.joinedAt(), now).toDays());
                counts[(int) Math.min(n, days)]++;
            }
            scanned += page.size();
            if (page.size() < SCAN_PAGE) {
                return new Recency(counts, counts[n] > 0, scanned, false);
            }
            after = page.getLast().personId();
        }
        return new Recency(counts, counts[n] > 0, scanned, true);
    }

    String recencyChart(Recency r) {
        JsonArray labels = new JsonArray();
        JsonArray data = new JsonArray();
        int n = r.counts().length - 1;
        for (int i = 0; i < n; i++) {
            labels.add(String.valueOf(i));
            data.add(r.counts()[i]);
        }
        if (r.older()) {
            labels.add(n + "+");
            data.add(r.counts()[n]);
        }
        return chart("bar", "Members", labels, data, "Days since joining", "Members");
    }

    /** Recency as rows for the accessible table beside the chart. */
    static List<Map<String, Object>> recencyRows(Recency r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = r.counts().length - 1;
        for (int i = 0; i <= n; i++) {
            if (i < n || r.older()) {
                rows.add(Map.of("days", i < n ? String.valueOf(i) : n + " or more", "members", r.counts()[i]));
            }
        }
        return rows;
    }

    /** The first members in person-id order, each with the visitor id the visitor page opens. */
    List<Map<String, Object>> sample(SegmentRecord s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AudienceReader.Member m : runtime.reader().members(s.storeId(), s.id(), null, SAMPLE_SIZE)) {
            Optional<PersonState> person = runtime.reader().person(s.storeId(), m.personId());
            String visitor = person.flatMap(p -> p.ids().anonymousIds().stream().findFirst()
                    .or(() -> p.ids().userIds().stream().findFirst())).orElse(null);
            String user = person.flatMap(p -> p.ids().userIds().stream().findFirst()).orElse(null);
            Map<String, Object> row = new HashMap<>();
            row.put("personId", m.personId());
            row.put("visitor", visitor);
            row.put("userId", user);
            row.put("joinedAt", m.joinedAt().toString());
            out.add(row);
        }
        return out;
    }

    /** The visitor's current memberships: segment, since, the reason it holds, and when it ends by time alone. */
    List<Map<String, Object>> memberships(String storeId, String visitorId, Instant now) {
        try {
            runtime.awaitCaughtUp(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Optional<PersonState> person = runtime.reader().personOf(storeId, visitorId)
                .flatMap(p -> runtime.reader().person(storeId, p));
        List<Map<String, Object>> out = new ArrayList<>();
        person.ifPresent(p -> p.memberships().forEach((segmentId, since) ->
                runtime.segment(storeId, segmentId).ifPresent(s -> {
                    Evaluation e = SegmentEvaluator.evaluate(s.definition(), p.visitor(), now);
                    Map<String, Object> m = new HashMap<>();
                    m.put("segmentId", segmentId);
                    m.put("segmentName", s.definition().name());
                    m.put("since", since.toString());
                    m.put("reason", e.reason());
                    m.put("until", e.member() && e.nextChange() != null ? e.nextChange().toString() : null);
                    out.add(m);
                })));
        return out;
    }

    /** Chart JSON for dashboard.js; {@code <} is escaped so the text cannot end its script element. */
    private static String chart(String type, String label, JsonArray labels, JsonArray data, String xTitle, String yTitle) {
        return new JsonObject().put("type", type).put("label", label).put("labels", labels).put("data", data)
                .put("xTitle", xTitle).put("yTitle", yTitle).encode().replace("<", "\\u003c");
    }
}
