package io.rebound.server.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksIterator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded server's retention, driven by a clock the test moves: raw visitor events and their
 * dedup keys leave by event time when their store's {@code retention_days} has passed — from the
 * visitor events API and from RocksDB — while another store's longer retention keeps its events;
 * an expired copy sent again is not filed again; event-log files go once the indexer and
 * the audience runtime have passed them and the log retention has passed.
 */
class RetentionTaskTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";

    @TempDir
    Path dir;

    private ReboundServer server;

    @Test
    void eventsAndDedupKeysLeaveWhenTheirStoresRetentionHasPassedByEventTime() throws Exception {
        MutableClock clock = new MutableClock(T0);
        StoreRepository.Created shortLived;
        StoreRepository.Created longLived;
        try (ReboundServer s = ReboundServer.start(ServerConfig.defaults(dir).withPort(0)
                .withRateLimit(1_000_000, 1_000_000), clock)) {
            server = s;
            shortLived = s.stores().create("Two days", false);
            s.stores().update(shortLived.store().id(), "Two days", false, 2);
            longLived = s.stores().create("Default retention", false);

            track(shortLived, "v1", "m-old", null);                      // event time T0 (arrival)
            track(longLived, "v1", "m-other", null);
            clock.set(T0.plus(Duration.ofDays(1)));
            track(shortLived, "v1", "m-new", null);                      // event time T0 + 1 d
            assertThat(s.indexer().awaitCaughtUp(5_000)).isTrue();

            clock.set(T0.plus(Duration.ofDays(2)).minusSeconds(1));
            s.retention().runOnce();
            assertThat(counted(s, "rebound.retention.events.deleted")).isZero();
            assertThat(eventIds(shortLived, "v1")).containsExactly("m-old", "m-new");

            clock.set(T0.plus(Duration.ofDays(2)).plusSeconds(1));
            // The task's own thread may run this pass first (it looks at the clock every second): count, not the Pass.
            s.retention().runOnce();

            assertThat(counted(s, "rebound.retention.events.deleted")).isEqualTo(1);
            assertThat(counted(s, "rebound.retention.dedup.deleted")).isEqualTo(1);
            assertThat(eventIds(shortLived, "v1")).containsExactly("m-new");
            assertThat(eventIds(longLived, "v1")).containsExactly("m-other");

            // A retry of the purged event, still dated T0: expired, so it is not filed again.
            track(shortLived, "v1", "m-old", T0);
            // A retry of a kept event is still a duplicate: its dedup key lives as long as the event.
            track(shortLived, "v1", "m-new", T0.plus(Duration.ofDays(1)));
            // The indexer counts them after the 200: wait for it (CI once read the counter first).
            assertThat(s.indexer().awaitCaughtUp(5_000)).isTrue();
            assertThat(eventIds(shortLived, "v1")).containsExactly("m-new");
            assertThat(counted(s, "rebound.events.expired")).isEqualTo(1);
            assertThat(counted(s, "rebound.events.duplicates")).isEqualTo(1);
        }

        // And in RocksDB itself: nothing of the purged event is left, neither its event nor its dedup key.
        try (RocksDatabase rocks = new RocksDatabase(dir.resolve("state"), Stream.concat(Stream.of(EventIndexer.CF_EVENTS,
                EventIndexer.CF_DEDUP, EventIndexer.CF_OFFSETS), AudienceColumns.ALL.stream()).toList())) {
            assertThat(keys(rocks, EventIndexer.CF_EVENTS)).hasSize(2);
            List<String> dedup = keys(rocks, EventIndexer.CF_DEDUP);
            assertThat(dedup).hasSize(2).noneMatch(k -> k.contains("m-old"));
            assertThat(dedup).anyMatch(k -> k.contains("m-new")).anyMatch(k -> k.contains("m-other"));
        }
    }

    @Test
    void logFilesGoOnceBothConsumersHavePassedThemAndTheLogRetentionHasPassed() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (ReboundServer s = ReboundServer.start(ServerConfig.defaults(dir).withPort(0)
                .withRateLimit(1_000_000, 1_000_000).withLogFileMb(1).withLogRetention(Duration.ofHours(1)), clock)) {
            server = s;
            StoreRepository.Created store = s.stores().create("Log retention", false);
            String url = "https://shop.example/" + "p".repeat(400);   // ~3 log files of 1 MB in all
            for (int request = 0; request < 60; request++) {
                StringBuilder batch = new StringBuilder("{\"batch\":[");
                for (int i = 0; i < 100; i++) {
                    batch.append(i == 0 ? "" : ",").append("{\"type\":\"page\",\"messageId\":\"m-").append(request)
                            .append('-').append(i).append("\",\"anonymousId\":\"v-").append(request)
                            .append("\",\"context\":{\"page\":{\"url\":\"").append(url).append("\"}}}");
                }
                post(store, "/v1/batch", batch.append("]}").toString());
            }
            s.audiences().sync();
            assertThat(s.indexer().awaitCaughtUp(10_000)).isTrue();
            List<String> before = logFiles();
            assertThat(before).hasSizeGreaterThan(1);

            clock.set(T0.plus(Duration.ofMinutes(59)));
            s.retention().runOnce();
            assertThat(logFiles()).isEqualTo(before);

            clock.set(T0.plus(Duration.ofMinutes(61)));
            s.retention().runOnce();
            assertThat(logFiles()).containsExactly(before.getLast());
            assertThat(counted(s, "rebound.retention.log.segments.deleted")).isEqualTo(before.size() - 1);
            // Both consumers carry on from where they were; the remaining records are still readable.
            post(store, "/v1/page", "{\"messageId\":\"m-after\",\"anonymousId\":\"v-after\"}");
            s.audiences().sync();
            assertThat(s.indexer().awaitCaughtUp(5_000)).isTrue();
            assertThat(eventIds(store, "v-after")).containsExactly("m-after");
        }
    }

    private List<String> logFiles() throws java.io.IOException {
        try (Stream<Path> files = java.nio.file.Files.list(dir.resolve("log"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long counted(ReboundServer s, String counter) {
        return (long) s.metrics().get(counter).counter().count();
    }

    private static List<String> keys(RocksDatabase rocks, String family) {
        List<String> out = new ArrayList<>();
        try (RocksIterator it = rocks.db().newIterator(rocks.family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.add(new String(it.key(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private void track(StoreRepository.Created store, String visitor, String messageId, Instant timestamp)
            throws Exception {
        post(store, "/v1/track", "{\"event\":\"Product Viewed\",\"messageId\":\"" + messageId
                + "\",\"anonymousId\":\"" + visitor + "\"" + (timestamp == null ? "" : ",\"timestamp\":\"" + timestamp + "\"")
                + ",\"properties\":{\"product_id\":\"yoga-mat\",\"price\":68}}");
    }

    private void post(StoreRepository.Created store, String path, String body) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":")
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").header("User-Agent", BROWSER).header("Authorization", basic)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private List<String> eventIds(StoreRepository.Created store, String visitor) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                        + store.store().id() + "/visitors/" + visitor + "/events"))
                .header("Authorization", "Bearer " + store.secretKey()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode e : Json.MAPPER.readTree(r.body()).get("events")) {
            ids.add(e.get("event_id").asText());
        }
        return ids;
    }
}
