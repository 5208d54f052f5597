package io.rebound.destinations.delivery;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A one-hour platform outage, compressed: the segment's change log grows by 100 changes a simulated second
 * (360,000 in the hour) while Meta answers every request with 503. The worker retries, commits nothing and
 * holds nothing: its backlog is the durable log behind its cursor, so the heap it leaves behind stays flat
 * however long the backlog grows. When Meta recovers, the list catches up with nothing lost.
 */
class OutageHeapTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String TOKEN = "EAAB-outage";
    private static final int PER_SECOND = 100;
    private static final int SECONDS_PER_PASS = 10;
    private static final int HOUR = 3_600;
    private static final int PERSONS = 20_000;

    private final MetaContractServer server = new MetaContractServer(TOKEN, "1234567890", "555000111",
            Clock.fixed(NOW, ZoneOffset.UTC), 60_000);

    @AfterEach
    void close() {
        server.close();
    }

    /** The log's n-th change, made on demand: the log itself holds nothing in this JVM, as a durable log would not. */
    private static LoggedChange change(long n) {
        return new LoggedChange(n, new MembershipChange("s1", "seg", "p" + (n % PERSONS), MembershipChange.Kind.JOINED, NOW, ""));
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    @Test
    void anHourOfBacklogCostsNoHeapAndTheListCatchesUpWhenThePlatformRecovers() throws Exception {
        MetaDestination meta = new MetaDestination(MetaConfig.of("act_1234567890", "555000111", TOKEN)
                .withBaseUrl(server.baseUrl()), Mode.LIVE, new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20)),
                new RequestLog(10), Clock.fixed(NOW, ZoneOffset.UTC)); // the request log is bounded (200 by default)
        AudienceRef audience = meta.linkAudience(server.createExisting());
        AtomicLong head = new AtomicLong();
        SyncWorkerTest.MemoryRepository deliveries = new SyncWorkerTest.MemoryRepository(new Pairing("s1", "meta", "seg", audience, 0));
        SyncWorker worker = new SyncWorker("meta", meta, (s, seg, after, limit) -> {
            List<LoggedChange> out = new ArrayList<>();
            for (long n = after + 1; n <= head.get() && out.size() < limit; n++) {
                out.add(change(n));
            }
            return out;
        }, (s, person) -> new Member(person, Contact.ofEmail(person + "@example.com"), AdConsent.UNSTATED), deliveries,
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), new SplittableRandom(1)), Clock.fixed(NOW, ZoneOffset.UTC),
                SyncWorker.DEFAULT_BATCH);

        server.outage(503);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long early = 0;
        List<Long> samples = new ArrayList<>();
        for (int second = 0; second < HOUR; second += SECONDS_PER_PASS) {
            head.addAndGet((long) PER_SECOND * SECONDS_PER_PASS);
            Worker.Pass pass = worker.syncOnce();
            assertThat(pass.retryAfter()).as("the platform is down: retry").isNotNull();
            if (second == 6 * 60) {
                early = usedHeapAfterGc(memory);
            }
            if (second % 600 == 0) {
                samples.add(usedHeapAfterGc(memory));
            }
        }
        long late = usedHeapAfterGc(memory);
        System.out.printf("outage: backlog %,d changes; heap after GC at 6 min %,d B, at 60 min %,d B; samples %s%n",
                head.get(), early, late, samples);
        assertThat(deliveries.pairing.cursor()).as("nothing committed during the outage").isZero();
        assertThat(worker.stats().retries()).isEqualTo(HOUR / SECONDS_PER_PASS);
        assertThat(server.refusedInOutage()).isEqualTo(HOUR / SECONDS_PER_PASS);
        assertThat(late - early).as("heap growth while the backlog grew tenfold (3,600 s × 100/s)")
                .isLessThan(4L * 1024 * 1024);

        server.recover();
        for (int i = 0; i < 1_000 && deliveries.pairing.cursor() < head.get(); i++) {
            assertThat(worker.syncOnce().retryAfter()).isNull();
        }
        assertThat(deliveries.pairing.cursor()).isEqualTo(head.get());
        Set<String> expected = new HashSet<>();
        for (int p = 0; p < PERSONS; p++) {
            expected.add(sha256("p" + p + "@example.com"));
        }
        assertThat(server.members(audience.id())).as("every change of the hour reached the list").isEqualTo(expected);
        assertThat(server.violations()).isEmpty();
    }
}
