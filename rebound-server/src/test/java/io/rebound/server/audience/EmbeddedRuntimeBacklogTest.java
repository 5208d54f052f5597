package io.rebound.server.audience;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.testkit.DifferentialScenario;
import io.rebound.testkit.memory.InMemoryAudienceRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A writer far behind the log catches up in units of work that span several reads of it
 * ({@link AudienceWriter.UnitBounds}): a person's state written by several events of a unit reaches
 * RocksDB once. Whatever the units, memberships and the change log equal the in-memory reference's,
 * and a crash in the middle of such a unit loses and duplicates nothing.
 */
class EmbeddedRuntimeBacklogTest {
    private static final String STORE = "st_backlog";
    private static final Instant NOW = Instant.parse("2026-03-20T12:00:00Z");
    /** Enough events that reading them in {@link AudienceWriter#LOG_BATCH}es takes at least five units. */
    private static final int EVENTS = 5 * AudienceWriter.LOG_BATCH;
    /** Every bound wide open: the whole backlog in one unit. */
    private static final AudienceWriter.UnitBounds OPEN = new AudienceWriter.UnitBounds(1, 600_000, 1L << 30);

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE).clearingSegments();

    @Test
    void aBacklogIsCaughtUpInOneUnitWithTheReferencesMemberships() throws Exception {
        assertThat(unitsToCatchUp(1, OPEN)).as("units of work for %s events", EVENTS).isEqualTo(1);
    }

    @Test
    void theHeapBoundEndsAUnit() throws Exception {
        // 32 KB of pending writes is less than a read of the log brings: a unit per read, as before.
        assertThat(unitsToCatchUp(2, new AudienceWriter.UnitBounds(1, 600_000, 32 << 10)))
                .isGreaterThanOrEqualTo(EVENTS / AudienceWriter.LOG_BATCH);
    }

    @Test
    void aWriterLessThanTheBoundBehindCommitsEachRead() throws Exception {
        assertThat(unitsToCatchUp(3, new AudienceWriter.UnitBounds(1L << 40, 600_000, 1L << 30)))
                .isGreaterThanOrEqualTo(EVENTS / AudienceWriter.LOG_BATCH);
    }

    /**
     * The units of work the runtime takes for a backlog of the events of {@code seed} within
     * {@code bounds}, once it has checked that they gave the reference's memberships and change log.
     */
    private static int unitsToCatchUp(long seed, AudienceWriter.UnitBounds bounds) throws Exception {
        List<Event> events = events(seed);
        try (AudienceHarness embedded = META.freshHarness();
             InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime()) {
            int units = catchUp(embedded, events, bounds, null);
            assertThat(snapshot(embedded)).isEqualTo(snapshot(fed(reference, events)));
            return units;
        }
    }

    @Test
    void aCrashAsTheWholeBacklogCommitsLosesNothingAndDuplicatesNothing() throws Exception {
        List<Event> events = events(4);
        try (AudienceHarness embedded = META.freshHarness();
             InMemoryAudienceRuntime reference = new InMemoryAudienceRuntime()) {
            AtomicBoolean crashed = new AtomicBoolean();
            catchUp(embedded, events, OPEN, () -> {
                crashed.set(true);
                throw new EmbeddedAudienceRuntime.SimulatedCrash();
            });
            assertThat(crashed).isTrue();
            assertThat(embedded.runtime.position()).as("nothing of the backlog committed")
                    .isLessThan(embedded.log.records().end());
            // Reopened with the default bounds: the backlog is processed again from the last commit.
            embedded.advanceTo(NOW);
            assertThat(embedded.runtime.position()).isEqualTo(embedded.log.records().end());
            assertThat(snapshot(embedded)).isEqualTo(snapshot(fed(reference, events)));
        }
    }

    /**
     * Holds the writer in a command, appends {@code events} behind it, narrows the bounds, lets it go
     * and waits until it has processed the log (without another command, which would end a unit).
     * Returns the units of work that consumed the log meanwhile; with {@code crash}, the first commit
     * after the hold runs it instead and the harness reopens.
     */
    private static int catchUp(AudienceHarness embedded, List<Event> events, AudienceWriter.UnitBounds bounds,
                               Runnable crash) throws Exception {
        embedded.advanceTo(NOW.minus(Duration.ofDays(30)));
        DifferentialScenario.segments().forEach((id, d) -> embedded.putSegment(STORE, id, d));
        embedded.advanceTo(NOW);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> holding = java.util.concurrent.CompletableFuture.runAsync(
                () -> embedded.runtime.onWriter(() -> {
                    held.countDown();
                    await(release);
                }));
        await(held);
        embedded.append(events.toArray(Event[]::new));
        long end = embedded.log.records().end();
        embedded.runtime.unitBounds(bounds);
        if (crash != null) {
            embedded.runtime.beforeCommit = crash;
        }
        long before = embedded.runtime.logUnits();
        release.countDown();
        holding.get(30, java.util.concurrent.TimeUnit.SECONDS);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        if (crash != null) {
            while (!embedded.runtime.stopped()) {
                assertThat(System.nanoTime()).as("the writer crashed").isLessThan(deadline);
                Thread.sleep(5);
            }
            embedded.restart();
            return 0;
        }
        while (embedded.runtime.position() < end) {
            assertThat(System.nanoTime()).as("the writer caught up").isLessThan(deadline);
            Thread.sleep(5);
        }
        return (int) (embedded.runtime.logUnits() - before);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static AudienceRuntime fed(InMemoryAudienceRuntime reference, List<Event> events) {
        reference.advanceTo(NOW.minus(Duration.ofDays(30)));
        DifferentialScenario.segments().forEach((id, d) -> reference.putSegment(STORE, id, d));
        reference.advanceTo(NOW);
        events.forEach(reference::accept);
        return reference;
    }

    /**
     * {@link #EVENTS} events of 300 visitors over the last 10 days, in log order: views, add to cart,
     * checkouts and purchases of six products, some of them identified (one user id links several
     * anonymous ids, so persons merge within a unit).
     */
    private static List<Event> events(long seed) {
        Random random = new Random(seed);
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Instant at = NOW.minusMillis(random.nextLong(Duration.ofDays(10).toMillis()));
            int r = random.nextInt(100);
            EventType type = r < 60 ? EventType.VIEW_CONTENT : r < 80 ? EventType.ADD_TO_CART
                    : r < 90 ? EventType.INITIATE_CHECKOUT : EventType.PURCHASE;
            int p = random.nextInt(6);
            Event.Builder b = Event.builder(STORE, "e" + seed + "-" + i, type, at, at)
                    .anonymousId("a" + random.nextInt(300))
                    .products(List.of(new Product("p" + p, "c" + (p % 3), new BigDecimal("20"), 1)))
                    .value(BigDecimal.valueOf(500 + random.nextInt(15000), 2)).currency("USD");
            if (random.nextInt(20) == 0) {
                b.userId("u" + random.nextInt(40));
            }
            out.add(b.build());
        }
        return out;
    }

    /** Members and the change log of every segment. */
    private static Map<String, Object> snapshot(AudienceRuntime r) {
        Map<String, Object> out = new TreeMap<>();
        for (String id : DifferentialScenario.segments().keySet()) {
            out.put(id + " members", new TreeSet<>(r.members(STORE, id)));
            out.put(id + " changes", r.changes(STORE, id).stream()
                    .map((MembershipChange c) -> c.personId() + " " + c.kind() + "@" + c.at() + " " + c.reason()).toList());
        }
        return out;
    }
}
