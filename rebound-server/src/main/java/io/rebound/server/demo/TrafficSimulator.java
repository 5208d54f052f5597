package io.rebound.server.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.json.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Drives realistic shopper journeys through the real collector over HTTP, using the Segment
 * batch API ({@code POST /v1/batch}, HTTP Basic auth with the write key as user name), so a
 * fresh demo already has weeks of history and a running demo keeps receiving live traffic.
 *
 * <p>Everything random comes from the seed — the same seed sends the same message ids, so a
 * re-run is deduplicated by the collector instead of doubling the data. See
 * {@link JourneyGenerator} for the funnel shape.
 */
public final class TrafficSimulator {

    static final int MAX_BATCH_MESSAGES = 100;
    static final int MAX_BATCH_BYTES = 400 * 1024;
    private static final int MAX_ATTEMPTS = 6;

    private final URI base;
    private final String authorization;
    private final DemoCatalog catalog;
    private final Random random;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TrafficSimulator(URI base, String writeKey, DemoCatalog catalog, long seed) {
        this(base, writeKey, catalog, seed, Clock.systemUTC());
    }

    /** As the public constructor, with the clock that stamps {@code sentAt} and paces live traffic. */
    public TrafficSimulator(URI base, String writeKey, DemoCatalog catalog, long seed, Clock clock) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        this.catalog = catalog;
        this.random = new Random(seed);
        this.clock = clock;
    }

    /**
     * What a run sent and how the collector answered, per canonical event name
     * ({@code PageView}, {@code ViewContent}, {@code Identify} ...).
     *
     * @param visitors      simulated visitors
     * @param sent          messages sent
     * @param accepted      messages the collector accepted (including duplicates it dropped)
     * @param rejected      messages the collector rejected, or that never got a 2xx after retries
     * @param batches       HTTP requests that got a 2xx
     * @param failedBatches HTTP requests given up on (4xx other than 429, or retries exhausted)
     * @param errors        the first few error messages, for the CLI
     */
    public record Summary(int visitors, Map<String, Long> sent, Map<String, Long> accepted, Map<String, Long> rejected,
                          int batches, int failedBatches, List<String> errors) {
        public long totalSent() {
            return sent.values().stream().mapToLong(Long::longValue).sum();
        }

        public long totalAccepted() {
            return accepted.values().stream().mapToLong(Long::longValue).sum();
        }

        public long totalRejected() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            return "visitors=" + visitors + " sent=" + totalSent() + " accepted=" + totalAccepted()
                    + " rejected=" + totalRejected() + " batches=" + batches + " failedBatches=" + failedBatches
                    + "\n  sent by type:     " + sent + "\n  accepted by type: " + accepted
                    + (rejected.isEmpty() ? "" : "\n  rejected by type: " + rejected)
                    + (errors.isEmpty() ? "" : "\n  errors: " + errors);
        }
    }

    /**
     * Sends {@code visitors} visitors' journeys, first visits spread evenly over the last
     * {@code days} days before {@code now}; returns when everything has been answered.
     */
    public Summary runHistory(Instant now, int days, int visitors) {
        if (days < 1 || visitors < 0) {
            throw new IllegalArgumentException("days must be >= 1 and visitors >= 0");
        }
        JourneyGenerator journeys = new JourneyGenerator(catalog, random, siteUrl());
        Instant horizon = now.minusSeconds(60);
        long span = Duration.ofDays(days).minusHours(2).toSeconds();
        List<SimulatedMessage> all = new ArrayList<>();
        for (int i = 0; i < visitors; i++) {
            Instant start = now.minusSeconds(Duration.ofDays(days).toSeconds()).plusSeconds((long) (random.nextDouble() * span));
            all.addAll(journeys.visitor(start, horizon, Duration.ofSeconds(45)));
        }
        all.sort(Comparator.comparing(SimulatedMessage::timestamp));
        Tally tally = new Tally(visitors);
        send(all, tally);
        return tally.summary();
    }

    /**
     * Sends live traffic for {@code duration}: visitors arrive at random (Poisson) at
     * {@code visitorsPerSecond}, and each message is sent when its event time comes.
     * Steps of a journey that would happen after the run ends are not sent.
     */
    public Summary runLive(Duration duration, double visitorsPerSecond) {
        if (visitorsPerSecond <= 0) {
            throw new IllegalArgumentException("visitorsPerSecond must be > 0");
        }
        JourneyGenerator journeys = new JourneyGenerator(catalog, random, siteUrl());
        Instant end = clock.instant().plus(duration);
        PriorityQueue<SimulatedMessage> pending = new PriorityQueue<>(Comparator.comparing(SimulatedMessage::timestamp));
        Tally tally = new Tally(0);
        long tickMillis = 250;
        Instant now = clock.instant();
        while (now.isBefore(end)) {
            int arrivals = poisson(visitorsPerSecond * tickMillis / 1000.0);
            for (int i = 0; i < arrivals; i++) {
                pending.addAll(journeys.visitor(now, end, Duration.ofSeconds(4)));
            }
            tally.visitors += arrivals;
            List<SimulatedMessage> due = new ArrayList<>();
            while (!pending.isEmpty() && !pending.peek().timestamp().isAfter(now)) {
                due.add(pending.poll());
            }
            send(due, tally);
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = clock.instant();
        }
        return tally.summary();
    }

    private int poisson(double mean) {
        double l = Math.exp(-mean);
        double p = 1;
        int k = 0;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private String siteUrl() {
        return base.toString();
    }

    private void send(List<SimulatedMessage> messages, Tally tally) {
        List<SimulatedMessage> batch = new ArrayList<>();
        int bytes = 0;
        for (SimulatedMessage m : messages) {
            int size = json(m.body()).length();
            if (!batch.isEmpty() && (batch.size() == MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
                post(batch, tally);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(m);
            bytes += size + 1;
        }
        if (!batch.isEmpty()) {
            post(batch, tally);
        }
    }

    private void post(List<SimulatedMessage> batch, Tally tally) {
        batch.forEach(m -> tally.add(tally.sent, m.canonicalName()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("batch", batch.stream().map(SimulatedMessage::body).toList());
        body.put("sentAt", clock.instant().toString());
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/batch"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .header("User-Agent", "rebound-simulator/1")
                .POST(HttpRequest.BodyPublishers.ofString(json(body), StandardCharsets.UTF_8))
                .build();
        String failure = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            long waitMillis = Math.min(5_000, 250L << (attempt - 1));
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    tally.batches++;
                    settle(batch, response.body(), tally);
                    return;
                }
                failure = "HTTP " + status + ": " + abbreviate(response.body());
                if (status != 429 && status < 500) {
                    break;
                }
                waitMillis = response.headers().firstValue("Retry-After").map(TrafficSimulator::retryAfterMillis)
                        .orElse(waitMillis);
            } catch (IOException e) {
                failure = "I/O: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
                break;
            }
            if (attempt < MAX_ATTEMPTS) {
                try {
                    Thread.sleep(waitMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        tally.failedBatches++;
        tally.error(failure);
        batch.forEach(m -> tally.add(tally.rejected, m.canonicalName()));
    }

    /** Reads which messages of a 2xx batch were rejected: {@code rejected} / {@code errors} entries with an {@code index}. */
    private void settle(List<SimulatedMessage> batch, String responseBody, Tally tally) {
        Set<Integer> rejected = new HashSet<>();
        try {
            JsonNode root = Json.MAPPER.readTree(responseBody == null || responseBody.isBlank() ? "{}" : responseBody);
            for (String field : List.of("rejected", "errors")) {
                for (JsonNode entry : root.path(field)) {
                    if (entry.has("index") && entry.get("index").canConvertToInt()) {
                        int index = entry.get("index").asInt();
                        if (index >= 0 && index < batch.size() && rejected.add(index)) {
                            tally.error(abbreviate(entry.toString()));
                        }
                    }
                }
            }
        } catch (JsonProcessingException e) {
            tally.error("unreadable response: " + abbreviate(responseBody));
        }
        for (int i = 0; i < batch.size(); i++) {
            tally.add(rejected.contains(i) ? tally.rejected : tally.accepted, batch.get(i).canonicalName());
        }
    }

    static long retryAfterMillis(String header) {
        try {
            return Math.min(30_000, Math.max(0, Long.parseLong(header.trim())) * 1000);
        } catch (NumberFormatException e) {
            return 1_000;
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a simulated message", e);
        }
    }

    /** Mutable counters of one run. */
    private static final class Tally {
        final Map<String, Long> sent = new TreeMap<>();
        final Map<String, Long> accepted = new TreeMap<>();
        final Map<String, Long> rejected = new TreeMap<>();
        final List<String> errors = new ArrayList<>();
        int visitors;
        int batches;
        int failedBatches;

        Tally(int visitors) {
            this.visitors = visitors;
        }

        private static Map<String, Long> sorted(Map<String, Long> counts) {
            return Collections.unmodifiableMap(new TreeMap<>(counts));
        }

        void add(Map<String, Long> counts, String type) {
            counts.merge(type, 1L, Long::sum);
        }

        void error(String message) {
            if (errors.size() < 5 && message != null) {
                errors.add(message);
            }
        }

        Summary summary() {
            return new Summary(visitors, sorted(sent), sorted(accepted), sorted(rejected), batches,
                    failedBatches, List.copyOf(errors));
        }
    }
}
