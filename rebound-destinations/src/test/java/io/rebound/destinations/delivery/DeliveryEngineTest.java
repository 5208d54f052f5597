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
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/** The engine keeps a worker going: it follows a growing log and survives a failing store with a backoff. */
class DeliveryEngineTest {

    private static final String TOKEN = "EAAB-secret-token";

    @Test
    void aWorkerFollowsTheLogAndRecoversFromAFailingCommit() throws Exception {
        try (MetaContractServer server = new MetaContractServer(TOKEN, "1234567890", "555000111", Clock.systemUTC(), 60_000)) {
            MetaDestination meta = new MetaDestination(
                    MetaConfig.of("act_1234567890", "555000111", TOKEN).withBaseUrl(server.baseUrl()), Mode.LIVE,
                    new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20)), new RequestLog(), Clock.systemUTC());
            AudienceRef audience = meta.linkAudience(server.createExisting());
            List<LoggedChange> log = new CopyOnWriteArrayList<>();
            AtomicInteger commits = new AtomicInteger();
            SyncWorkerTest.MemoryRepository memory = new SyncWorkerTest.MemoryRepository(new Pairing("s1", "meta", "seg", audience, 0));
            DeliveryRepository flaky = new DeliveryRepository() {
                @Override
                public List<Pairing> pairings(String destinationId) {
                    return memory.pairings(destinationId);
                }

                @Override
                public java.util.Map<String, Contact> uploaded(Pairing pairing, java.util.Collection<String> personIds) {
                    return memory.uploaded(pairing, personIds);
                }

                @Override
                public void commit(Pairing pairing, long cursor, List<DeadLetter> deadLetters,
                                   java.util.Map<String, Contact> added, java.util.Set<String> removed) {
                    if (commits.getAndIncrement() == 0) {
                        throw new IllegalStateException("database unavailable");
                    }
                    memory.commit(pairing, cursor, deadLetters, added, removed);
                }
            };
            SyncWorker worker = new SyncWorker("meta", meta,
                    (store, segment, after, limit) -> log.stream().filter(c -> c.sequence() > after).limit(limit).toList(),
                    (store, person) -> new Member(person, Contact.ofEmail(person + "@example.com"), AdConsent.UNSTATED),
                    flaky, Backoff.DEFAULT, Clock.systemUTC(), 100);

            try (DeliveryEngine engine = new DeliveryEngine(Duration.ofMillis(20),
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new SplittableRandom(2)))) {
                engine.start(worker);
                log.add(new LoggedChange(1, new MembershipChange("s1", "seg", "ann", MembershipChange.Kind.JOINED, Instant.now(), "")));
                await(() -> memory.pairing.cursor() == 1);
                log.add(new LoggedChange(2, new MembershipChange("s1", "seg", "bob", MembershipChange.Kind.JOINED, Instant.now(), "")));
                log.add(new LoggedChange(3, new MembershipChange("s1", "seg", "ann", MembershipChange.Kind.LEFT, Instant.now(), "")));
                await(() -> memory.pairing.cursor() == 3);
            }
            assertThat(commits.get()).isGreaterThanOrEqualTo(3);
            assertThat(server.members(audience.id())).containsExactly(sha256("bob@example.com"));
            assertThat(server.violations()).isEmpty();
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
