package io.rebound.server.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.activation.Contact;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.ReadinessPolicy;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.json.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the destination pages and the segment page's destinations section show, read from
 * {@link Activation} (destinations, worker counters, pairings, pending changes, uploaded members, dead
 * letters, the requests log) and the audiences (segment names, members). Credentials appear only as the
 * last four characters {@code DestinationSettings.hints()} gives.
 *
 * <p>How many of a segment's members a customer list can take (an email, phone or customer id) is
 * counted over at most {@link #REACH_SAMPLE} members, one id lookup each, cached for 30 seconds per
 * segment; a larger segment's figure is said to come from that many.
 */
final class DestinationModels {
    /** Members looked up at most for the "uploadable" count. */
    static final int REACH_SAMPLE = 2_000;
    static final int REQUESTS_SHOWN = 20;
    static final int DEAD_LETTERS_SHOWN = 50;
    /** Request bodies are shown up to this many characters. */
    static final int BODY_CHARS = 16 * 1024;

    private final Activation activation;
    private final Audiences audiences;
    private final ReadinessPolicy policy;
    private final Cache<String, Reach> reach = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(30))
            .maximumSize(1_000).build();

    DestinationModels(Activation activation, Audiences audiences, ReadinessPolicy policy) {
        this.activation = activation;
        this.audiences = audiences;
        this.policy = policy;
    }

    Activation activation() {
        return activation;
    }

    Audiences audiences() {
        return audiences;
    }

    static String count(long n) {
        return String.format(Locale.ENGLISH, "%,d", n);
    }

    /** Rows taken per minute over the last 5 and 60 minutes, one decimal. */
    private Map<String, String> rate(io.rebound.destinations.delivery.SendRate r) {
        java.time.Instant now = activation.clock().instant();
        return Map.of("m5", String.format(java.util.Locale.ROOT, "%.1f", r.perMinute(now, 5)),
                "m60", String.format(java.util.Locale.ROOT, "%.1f", r.perMinute(now, 60)));
    }

    /** A destination with its worker's counters and its synced segments. */
    Map<String, Object> row(JdbcDestinations.Record r) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", r.id());
        m.put("name", r.name());
        m.put("platform", r.platform().id());
        m.put("platformName", DestinationForms.TITLES.get(r.platform()));
        m.put("mode", JdbcDestinations.wire(r.mode()));
        m.put("live", r.mode() == Mode.LIVE);
        m.put("apiBaseUrl", r.apiBaseUrl() == null ? null : r.apiBaseUrl().toString());
        m.put("createdAt", r.createdAt().toString());
        m.put("updatedAt", r.updatedAt().toString());
        Optional<SyncWorker.Stats> stats = activation.stats(r.id());
        m.put("running", stats.isPresent());
        stats.ifPresent(s -> {
            m.put("added", count(s.added()));
            m.put("removed", count(s.removed()));
            m.put("skipped", count(s.skipped()));
            m.put("notUploadable", count(s.notUploadable()));
            m.put("retries", count(s.retries()));
            m.put("lastSuccess", s.lastSuccess() == null ? null : s.lastSuccess().toString());
            m.put("lastError", s.lastError());
            m.put("lastErrorAt", s.lastErrorAt() == null ? null : s.lastErrorAt().toString());
            m.put("sendRate", rate(s.sendRate()));
        });
        activation.forwarding(r.id()).ifPresent(f -> {
            m.put("eventsRate", rate(f.sendRate()));
            m.put("eventsLastError", f.lastError());
            m.put("eventsLastErrorAt", f.lastErrorAt() == null ? null : f.lastErrorAt().toString());
        });
        int dead = activation.deadLetters(r.id(), DEAD_LETTERS_SHOWN + 1).size();
        m.put("deadLetters", dead > DEAD_LETTERS_SHOWN ? DEAD_LETTERS_SHOWN + "+" : String.valueOf(dead));
        m.put("hasDeadLetters", dead > 0);
        List<Map<String, Object>> segments = new ArrayList<>();
        for (Pairing p : activation.pairings(r.id())) {
            if (p.storeId().equals(r.storeId())) {
                segments.add(pairing(p));
            }
        }
        m.put("segments", segments);
        List<Map<String, String>> settings = new ArrayList<>();
        r.settings().settings().forEach((k, v) -> settings.add(Map.of("label",
                DestinationForms.label(r.platform(), k), "value", String.valueOf(v))));
        settings.sort(java.util.Comparator.comparing(x -> x.get("label")));
        m.put("settings", settings);
        List<Map<String, String>> secrets = new ArrayList<>();
        r.settings().hints().forEach((k, hint) -> secrets.add(Map.of("name", k, "label",
                DestinationForms.label(r.platform(), k), "hint", hint)));
        m.put("secrets", secrets);
        m.put("hints", r.settings().hints().entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(e -> "config." + e.getKey(), Map.Entry::getValue)));
        return m;
    }

    /** A synced segment: its name, pending changes (capped), members uploaded, the platform's minimum. */
    Map<String, Object> pairing(Pairing p) {
        Map<String, Object> m = new HashMap<>();
        m.put("segmentId", p.segmentId());
        m.put("segmentName", audiences == null ? p.segmentId() : audiences.segment(p.storeId(), p.segmentId())
                .map(s -> s.definition().name()).orElse(p.segmentId() + " (deleted)"));
        int pending = activation.pending(p);
        m.put("pending", pending >= Activation.PENDING_CAP ? count(Activation.PENDING_CAP) + "+" : count(pending));
        long uploaded = activation.uploaded(p);
        m.put("uploaded", count(uploaded));
        m.put("audienceId", p.audience().id());
        Integer min = policy.platformMinimums().get(p.audience().platform().id());
        m.put("minimum", min == null ? null : count(min));
        m.put("ready", min == null || uploaded >= min);
        m.put("missing", min == null ? null : count(Math.max(0, min - uploaded)));
        return m;
    }

    /** The last requests built, newest first, bodies pretty-printed when they are JSON. */
    List<Map<String, Object>> requests(String destinationId) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RecordedRequest q : activation.requests(destinationId, REQUESTS_SHOWN)) {
            Map<String, Object> m = new HashMap<>();
            m.put("at", q.at().toString());
            m.put("mode", JdbcDestinations.wire(q.mode()));
            m.put("method", q.request().method());
            // The log redacts query credentials URL-encoded; shown readable.
            m.put("url", q.request().uri().toString().replace("%5Bredacted%5D", "[redacted]"));
            StringBuilder headers = new StringBuilder();
            q.request().headers().forEach((k, v) -> headers.append(k).append(": ").append(v).append('\n'));
            m.put("headers", headers.toString());
            byte[] body = q.request().body();
            m.put("bytes", count(body.length));
            m.put("body", pretty(body));
            out.add(m);
        }
        return out;
    }

    static String pretty(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return "";
        }
        try {
            String p = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.MAPPER.readTree(body));
            text = p;
        } catch (java.io.IOException | RuntimeException e) {
            // Not JSON (TikTok's multipart file upload): shown as it is.
        }
        return text.length() <= BODY_CHARS ? text
                : text.substring(0, BODY_CHARS) + "\n… (" + count(text.length() - BODY_CHARS) + " more characters)";
    }

    /** What the platform would not take, newest first. */
    List<Map<String, Object>> deadLetters(String destinationId) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (io.rebound.server.activation.JdbcDeliveryRepository.Stored stored
                : activation.storedDeadLetters(destinationId, DEAD_LETTERS_SHOWN)) {
            DeadLetter d = stored.letter();
            Map<String, Object> m = new HashMap<>();
            m.put("id", stored.id());
            m.put("retryable", !"event".equals(d.operation()));
            m.put("at", d.at().toString());
            m.put("segment", audiences == null ? d.segmentId() : audiences.segment(d.storeId(), d.segmentId())
                    .map(s -> s.definition().name()).orElse(d.segmentId()));
            m.put("operation", d.operation());
            m.put("kind", DeadLetter.GAVE_UP.equals(d.kind()) ? "gave up" : "refused");
            m.put("code", d.code());
            m.put("message", d.message());
            m.put("persons", count(d.personIds().size()));
            m.put("changes", "event".equals(d.operation()) ? "" : d.fromSequence() + "–" + d.toSequence());
            out.add(m);
        }
        return out;
    }

    /** The test send's result: {@code result} (accepted, recorded, partial, retry, gave_up), a sentence, ok. */
    static Map<String, Object> outcome(SyncReport report) {
        Map<String, Object> m = new HashMap<>();
        boolean ok = report.complete() && report.deliveries().stream().allMatch(d -> d.outcome().applied());
        m.put("ok", ok);
        if (report.deliveries().isEmpty()) {
            m.put("result", "skipped");
            m.put("text", report.skipped().stream().findFirst().map(s -> "Nothing was sent: " + s.reason())
                    .orElse("Nothing was sent."));
            return m;
        }
        Outcome o = report.deliveries().getFirst().outcome();
        switch (o) {
            case Outcome.Accepted a -> {
                m.put("result", "accepted");
                m.put("text", "Accepted by the platform" + (a.detail() == null || a.detail().isBlank() ? "." : ": " + a.detail()));
            }
            case Outcome.Recorded x -> {
                m.put("result", "recorded");
                m.put("text", "Dry-run: the test event was built and recorded, not sent. It is the first of the requests below.");
            }
            case Outcome.Partial p -> {
                m.put("result", "partial");
                m.put("text", "Partly accepted: " + p.failed().size() + " row(s) refused. " + p.detail());
            }
            case Outcome.Retry r -> {
                m.put("result", "retry");
                m.put("text", "The platform asked to try again in " + Math.max(1, r.after().toSeconds()) + " s: " + r.reason());
            }
            case Outcome.GiveUp g -> {
                m.put("result", "gave_up");
                m.put("text", "Refused by the platform: " + (g.code().isEmpty() ? "" : g.code() + ": ") + g.message());
            }
        }
        return m;
    }

    // ---- the segment page's section --------------------------------------------------------------

    /** The store's destinations for one segment: synced or not, uploaded and pending next to the minimum. */
    Map<String, Object> section(SegmentRecord s) {
        Map<String, Pairing> paired = new HashMap<>();
        for (Pairing p : activation.pairingsOf(s.storeId(), s.id())) {
            paired.put(p.destinationId(), p);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JdbcDestinations.Record d : activation.list(s.storeId())) {
            Map<String, Object> m = new HashMap<>();
            m.put("id", d.id());
            m.put("name", d.name());
            m.put("platform", d.platform().id());
            m.put("platformName", DestinationForms.TITLES.get(d.platform()));
            m.put("live", d.mode() == Mode.LIVE);
            Integer min = policy.platformMinimums().get(d.platform().id());
            m.put("minimum", min == null ? null : count(min));
            Pairing p = paired.get(d.id());
            m.put("synced", p != null);
            if (p != null) {
                m.putAll(pairing(p));
            }
            rows.add(m);
        }
        Map<String, Object> out = new HashMap<>();
        out.put("destinations", rows);
        out.put("segmentId", s.id());
        out.put("reach", reach(s));
        return out;
    }

    /** How many members a customer list can take, counted over at most {@link #REACH_SAMPLE}; cached 30 s. */
    Map<String, Object> reach(SegmentRecord s) {
        Reach r = reach.get(s.storeId() + '\0' + s.id(), k -> countReach(s));
        Map<String, Object> m = new HashMap<>();
        m.put("members", count(r.members));
        m.put("counted", count(r.counted));
        m.put("uploadable", count(r.uploadable));
        m.put("rest", count(r.counted - r.uploadable));
        m.put("sample", r.counted < r.members);
        return m;
    }

    private record Reach(long members, long counted, long uploadable) {
    }

    private Reach countReach(SegmentRecord s) {
        long members = audiences.reader().size(s.storeId(), s.id());
        long counted = 0;
        long uploadable = 0;
        String after = null;
        while (counted < REACH_SAMPLE) {
            List<AudienceReader.Member> page = audiences.reader().members(s.storeId(), s.id(), after,
                    (int) Math.min(500, REACH_SAMPLE - counted));
            if (page.isEmpty()) {
                break;
            }
            for (AudienceReader.Member m : page) {
                counted++;
                if (SyncWorker.uploadable(Contact.of(audiences.reader().ids(s.storeId(), m.personId())))) {
                    uploadable++;
                }
                after = m.personId();
            }
        }
        return new Reach(Math.max(members, counted), counted, uploadable);
    }
}
