package io.rebound.server.audience;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.testkit.memory.InMemoryAudienceRuntime;
import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.StreamGenerator;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import io.rebound.server.meta.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rocksdb.RocksDBException;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restart, crash and replay of the embedded runtime: after each, memberships and the change log
 * equal those of the in-memory reference runtime fed the same events at the same instants.
 */
class EmbeddedRuntimeDurabilityTest {
    private static final String STORE = "st_diff";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    /** {@code StreamGenerator}'s first instant. */
    private static final Instant STREAM_START = Instant.parse("2026-01-05T00:00:00Z");

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE).clearingSegments();

    private static Map<String, SegmentDefinition> segments() {
        return DifferentialScenario.segments();
    }

    /**
     * What both runtimes are compared on: members and the change log of every segment. For the
     * embedded runtime, also checks that its in-memory members index agrees with RocksDB's.
     */
    private static Map<String, Object> snapshot(AudienceRuntime r) {
        if (r instanceof AudienceHarness h) {
            for (String id : segments().keySet()) {
                java.util.Set<String> members = h.members(STORE, id);
                for (MembershipChange c : h.changes(STORE, id)) {
                    assertThat(h.runtime.reader().isMember(STORE, id, c.personId()))
                            .as("in-memory index of %s for %s", id, c.personId()).isEqualTo(members.contains(c.personId()));
                }
            }
        }
        Map<String, Object> out = new TreeMap<>();
        for (String id : segments().keySet()) {
            out.put(id + " members", new java.util.TreeSet<>(r.members(STORE, id)));
            out.put(id + " changes", r.changes(STORE, id).stream()
                    .map(c -> c.personId() + " " + c.kind() + "@" + c.at() + " " + c.reason()).toList());
        }
        return out;
    }

    private static void setUp(AudienceRuntime... runtimes) {
        for (AudienceRuntime r : runtimes) {
            r.advanceTo(STREAM_START.minus(Duration.ofDays(1)));
            segments().forEach((id, d) -> r.putSegment(STORE, id, d));
        }
    }

    private static List<StreamGenerator.Arrival> stream(long seed) {
        return new StreamGenerator(seed, false, true).generate();
    }

    @Test
    void restartKeepsIdenticalMembershipsAndChangeLog() {
        List<StreamGenerator.Arrival> arrivals = stream(7);
        try (AudienceHarness embedded = META.freshHarness();
             InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime()) {
            setUp(embedded, reference);
            int half = arrivals.size() / 2;
            for (int i = 0; i < arrivals.size(); i++) {
                StreamGenerator.Arrival a = arrivals.get(i);
                for (AudienceRuntime r : List.<AudienceRuntime>of(embedded, reference)) {
                    r.advanceTo(a.at());
                    r.accept(a.event());
                }
                if (i == half) {
                    Map<String, Object> before = snapshot(embedded);
                    embedded.restart();
                    assertThat(snapshot(embedded)).isEqualTo(before);
                }
            }
            Instant end = arrivals.getLast().at().plus(Duration.ofDays(10));
            embedded.advanceTo(end);
            reference.advanceTo(end);
            assertThat(snapshot(embedded)).isEqualTo(snapshot(reference));
            Map<String, Object> before = snapshot(embedded);
            embedded.restart();
            embedded.advanceTo(end);
            assertThat(snapshot(embedded)).isEqualTo(before);
        }
    }

    /**
     * Person states of long histories (several KB) live in blob files once flushed
     * ({@link io.rebound.server.runtime.RocksDatabase#BLOB_FAMILIES}); read back from them after a
     * restart, they give the same memberships, and the runtime goes on from them as the reference does.
     */
    @Test
    void longHistoriesKeptInBlobFilesSurviveARestart() throws Exception {
        assertThat(io.rebound.server.runtime.RocksDatabase.BLOB_FAMILIES).contains(AudienceColumns.PERSONS);
        List<StreamGenerator.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            Instant at = STREAM_START.plus(Duration.ofMinutes(7L * i));
            arrivals.add(new StreamGenerator.Arrival(at, view("long-" + i, "v-long-" + (i % 3), at)));
        }
        try (AudienceHarness embedded = META.freshHarness();
             InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime()) {
            setUp(embedded, reference);
            for (StreamGenerator.Arrival a : arrivals.subList(0, 300)) {
                for (AudienceRuntime r : List.<AudienceRuntime>of(embedded, reference)) {
                    r.advanceTo(a.at());
                    r.accept(a.event());
                }
            }
            Map<String, Object> before = snapshot(embedded);
            embedded.restart(); // the reopen replays the write-ahead log into a flush: the states go to blob files
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(embedded.dir.resolve("state"))) {
                assertThat(files.filter(f -> f.toString().endsWith(".blob"))).isNotEmpty();
            }
            assertThat(snapshot(embedded)).isEqualTo(before);
            for (StreamGenerator.Arrival a : arrivals.subList(300, arrivals.size())) {
                for (AudienceRuntime r : List.<AudienceRuntime>of(embedded, reference)) {
                    r.advanceTo(a.at());
                    r.accept(a.event());
                }
            }
            Instant end = arrivals.getLast().at().plus(Duration.ofDays(40));
            embedded.advanceTo(end);
            reference.advanceTo(end);
            assertThat(snapshot(embedded)).isEqualTo(snapshot(reference));
        }
    }

    @Test
    void crashBeforeCommitLosesNothingAndDuplicatesNothing() {
        List<StreamGenerator.Arrival> arrivals = stream(11);
        try (AudienceHarness embedded = META.freshHarness();
             InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime()) {
            setUp(embedded, reference);
            int crashes = 0;
            for (int i = 0; i < arrivals.size(); i++) {
                StreamGenerator.Arrival a = arrivals.get(i);
                reference.advanceTo(a.at());
                reference.accept(a.event());
                embedded.advanceTo(a.at());
                if (i % 20 == 5) {
                    // The event is durable in the log, its processing never commits: kill -9 at the worst moment.
                    embedded.crash(() -> embedded.accept(a.event()));
                    crashes++;
                    embedded.advanceTo(a.at());
                } else {
                    embedded.accept(a.event());
                }
            }
            assertThat(crashes).isGreaterThan(2);
            Instant end = arrivals.getLast().at().plus(Duration.ofDays(10));
            embedded.advanceTo(end);
            reference.advanceTo(end);
            assertThat(snapshot(embedded)).isEqualTo(snapshot(reference));
        }
    }

    @Test
    void replayingTheWholeLogChangesNothing() throws RocksDBException {
        List<StreamGenerator.Arrival> arrivals = stream(13);
        try (AudienceHarness embedded = META.freshHarness()) {
            setUp(embedded);
            for (StreamGenerator.Arrival a : arrivals) {
                embedded.advanceTo(a.at());
                embedded.accept(a.event());
            }
            Map<String, Object> before = snapshot(embedded);
            embedded.runtime.close();
            // Rewind the committed offset to the start of the log: every event is delivered again.
            embedded.rocks.db().put(embedded.rocks.family(AudienceColumns.META), AudienceKeys.OFFSET, AudienceKeys.i64(0));
            embedded.restart();
            embedded.advanceTo(embedded.now());
            assertThat(embedded.runtime.position()).isEqualTo(embedded.log.records().end());
            assertThat(snapshot(embedded)).isEqualTo(before);
        }
    }

    @Test
    void onTheWallClockAMemberLeavesWithinOneSecondOfTheWindowEnd() throws Exception {
        java.time.Clock wall = java.time.Clock.systemUTC();
        Path dir = java.nio.file.Files.createTempDirectory(META.root(), "wall");
        try (AudienceHarness h = new AudienceHarness(dir, META.database(), wall)) {
            SegmentDefinition oneHour = io.rebound.core.segment.SegmentDefinitions.parse(new java.util.HashMap<>(Map.of(
                    "name", "viewed in the last hour",
                    "include", List.of(Map.of("event", "ViewContent", "within_hours", 1)))));
            h.runtime.putSegment(STORE, "last-hour", oneHour, null);
            h.runtime.backfillDone(STORE, "last-hour").join();
            // Viewed 59 min 58.5 s ago: the window ends 1.5 s from now.
            Instant eventTime = wall.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                    .minus(Duration.ofHours(1)).plusMillis(1_500);
            Instant windowEnd = eventTime.plus(Duration.ofHours(1));
            h.append(view("w1", "v-wall", eventTime));
            h.runtime.sync();
            assertThat(h.runtime.reader().size(STORE, "last-hour")).isEqualTo(1);
            Instant left = null;
            while (left == null && wall.instant().isBefore(windowEnd.plusSeconds(5))) {
                if (h.runtime.reader().size(STORE, "last-hour") == 0) {
                    left = wall.instant();
                }
                Thread.sleep(10);
            }
            assertThat(left).as("left the segment").isNotNull();
            assertThat(Duration.between(windowEnd, left)).isLessThan(Duration.ofSeconds(1));
            MembershipChange leave = h.changes(STORE, "last-hour").getLast();
            assertThat(leave.kind()).isEqualTo(MembershipChange.Kind.LEFT);
            assertThat(leave.at()).isEqualTo(windowEnd);
        }
    }

    @Test
    void backfillReportsProgressAndSamplesTheSizeWhenDone() {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 2 * EmbeddedAudienceRuntime.BACKFILL_CHUNK + 10; i++) {
                events.add(view("b" + i, "v" + i, T0.minusSeconds(i)));
            }
            h.append(events.toArray(Event[]::new));
            h.runtime.sync();
            SegmentRecord s = h.runtime.createSegment(STORE,
                    SegmentTemplates.productViewers(14, Scope.STORE), "product_viewers");
            assertThat(s.status()).isEqualTo(SegmentRecord.Status.BUILDING);
            assertThat(h.runtime.progress(STORE, s.id()).personsTotal()).isIn(0L, (long) events.size());
            h.runtime.backfillDone(STORE, s.id()).join();
            assertThat(h.runtime.segment(STORE, s.id()).orElseThrow().status()).isEqualTo(SegmentRecord.Status.READY);
            assertThat(h.runtime.reader().size(STORE, s.id())).isEqualTo(events.size());
            assertThat(h.runtime.reader().sizes(STORE, s.id(), 10)).last()
                    .extracting(AudienceReader.SizeSample::size).isEqualTo((long) events.size());
            h.restart();
            assertThat(h.runtime.segment(STORE, s.id()).orElseThrow().status()).isEqualTo(SegmentRecord.Status.READY);
            assertThat(h.runtime.segment(STORE, s.id()).orElseThrow().effectiveFrom()).isEqualTo(s.effectiveFrom());
        }
    }

    @Test
    void erasureAndRetentionRemovePersonsIdsAndOldChanges() throws Exception {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            h.putSegment(STORE, "viewers", SegmentTemplates.productViewers(7, Scope.STORE));
            h.append(view("e1", "erase-me", T0), view("e2", "age-out", T0));
            h.advanceTo(T0.plusSeconds(1));
            String erased = h.personOf(STORE, "erase-me").orElseThrow();
            assertThat(h.members(STORE, "viewers")).hasSize(2);

            assertThat(h.runtime.eraseVisitor(STORE, "erase-me")).isTrue();
            assertThat(h.personOf(STORE, "erase-me")).isEmpty();
            assertThat(h.runtime.reader().person(STORE, erased)).isEmpty();
            assertThat(h.members(STORE, "viewers")).hasSize(1);
            assertThat(h.changes(STORE, "viewers").getLast().kind()).isEqualTo(MembershipChange.Kind.LEFT);

            // Past the 180-day retention the remaining visitor's events, person and old changes go.
            h.advanceTo(T0.plus(Duration.ofDays(200)));
            long deadline = System.currentTimeMillis() + 10_000;
            // The sweep removes persons first and old changes in a later chunk: wait for both.
            while ((h.personOf(STORE, "age-out").isPresent() || !h.changes(STORE, "viewers").isEmpty())
                    && System.currentTimeMillis() < deadline) {
                h.advanceTo(h.now().plus(Duration.ofHours(2)));
                Thread.sleep(20);
            }
            assertThat(h.personOf(STORE, "age-out")).isEmpty();
            assertThat(h.members(STORE, "viewers")).isEmpty();
            assertThat(h.changes(STORE, "viewers")).isEmpty();
        }
    }

    static Event view(String id, String visitor, Instant at) {
        return Event.builder(STORE, id, EventType.VIEW_CONTENT, at, at).anonymousId(visitor)
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build();
    }
}
