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
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.Received;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/** The worker's decisions on an in-memory change log and cursor store, against the Meta contract server. */
class SyncWorkerTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String TOKEN = "EAAB-secret-token";

    private final MetaContractServer server = new MetaContractServer(TOKEN, "1234567890", "555000111", CLOCK, 60_000);
    private final MetaDestination meta = new MetaDestination(
            MetaConfig.of("act_1234567890", "555000111", TOKEN).withBaseUrl(server.baseUrl()), Mode.LIVE,
            new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20)), new RequestLog(), CLOCK);
    private final AudienceRef audience = meta.linkAudience(server.createExisting());
    private final List<LoggedChange> log = new ArrayList<>();
    private final MemoryRepository deliveries = new MemoryRepository(new Pairing("s1", "meta", "seg", audience, 0));
    private final SyncWorker worker = new SyncWorker("meta", meta,
            (storeId, segment, after, limit) -> log.stream().filter(c -> c.sequence() > after).limit(limit).toList(),
            (storeId, person) -> person.startsWith("anon")
                    ? new Member(person, Contact.EMPTY, AdConsent.UNSTATED)
                    : new Member(person, Contact.ofEmail(person + "@example.com"), AdConsent.UNSTATED),
            deliveries, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new SplittableRandom(1)), CLOCK, 100);

    @AfterEach
    void close() {
        server.close();
    }

    static final class MemoryRepository implements DeliveryRepository {
        Pairing pairing;
        final List<DeadLetter> letters = new ArrayList<>();

        MemoryRepository(Pairing p) {
            pairing = p;
        }

        @Override
        public List<Pairing> pairings(String destinationId) {
            return List.of(pairing);
        }

        final Map<String, Contact> uploaded = new HashMap<>();

        @Override
        public Map<String, Contact> uploaded(Pairing p, Collection<String> personIds) {
            Map<String, Contact> out = new HashMap<>();
            personIds.forEach(id -> {
                if (uploaded.containsKey(id)) {
                    out.put(id, uploaded.get(id));
                }
            });
            return out;
        }

        @Override
        public void commit(Pairing p, long cursor, List<DeadLetter> deadLetters, Map<String, Contact> added,
                           Set<String> removed) {
            pairing = pairing.withCursor(cursor);
            letters.addAll(deadLetters);
            uploaded.putAll(added);
            removed.forEach(uploaded::remove);
        }
    }

    private void change(String person, MembershipChange.Kind kind) {
        log.add(new LoggedChange(log.size() + 1, new MembershipChange("s1", "seg", person, kind, NOW, "")));
    }

    private void join(String... persons) {
        for (String p : persons) {
            change(p, MembershipChange.Kind.JOINED);
        }
    }

    private static Set<String> hashes(String... persons) {
        Set<String> out = new HashSet<>();
        for (String p : persons) {
            out.add(sha256(p + "@example.com"));
        }
        return out;
    }

    @Test
    void eachPersonsLastChangeInTheBatchWinsAndAnonymousPersonsAreCountedNotSent() {
        join("ann", "bob", "cy", "anon1");
        change("bob", MembershipChange.Kind.LEFT);
        change("cy", MembershipChange.Kind.LEFT);
        join("cy");

        Worker.Pass pass = worker.syncOnce();

        assertThat(pass.caughtUp()).isTrue();
        assertThat(pass.batches()).isEqualTo(1);
        assertThat(server.members(audience.id())).isEqualTo(hashes("ann", "cy"));
        List<Received> sent = server.received();
        assertThat(sent).extracting(Received::method).containsExactly("POST", "DELETE");
        assertThat(sent.get(0).bodyText()).doesNotContain(sha256("bob@example.com"));
        assertThat(sent.get(1).bodyText()).contains(sha256("bob@example.com")).doesNotContain(sha256("cy@example.com"));
        assertThat(deliveries.pairing.cursor()).isEqualTo(7);
        assertThat(worker.stats().notUploadable()).isEqualTo(1);
        assertThat(worker.stats().added()).isEqualTo(2);
        assertThat(worker.stats().removed()).isEqualTo(1);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aWithheldPersonIsNeverAddedAndLeavesTheListWhenUploadedBeforeTheyWereWithheld() {
        Set<String> withheld = new HashSet<>();
        worker.withWithholding((storeId, segmentId) -> new Withholding.Rule(String.join(",", withheld),
                withheld::contains));
        join("ann", "bob");
        worker.syncOnce();
        assertThat(server.members(audience.id())).isEqualTo(hashes("ann", "bob"));

        // bob's campaign holdout grows to take him in; dan is held out from his first change.
        withheld.add("bob");
        withheld.add("dan");
        join("bob", "dan", "eve");
        change("dan", MembershipChange.Kind.LEFT);
        join("dan");
        worker.syncOnce();

        assertThat(server.members(audience.id())).isEqualTo(hashes("ann", "eve"));
        assertThat(server.received()).extracting(Received::bodyText)
                .noneMatch(body -> body.contains(sha256("dan@example.com")));
        assertThat(deliveries.uploaded).containsOnlyKeys("ann", "eve");
        assertThat(deliveries.pairing.cursor()).isEqualTo(log.size());
        assertThat(worker.stats().withheld()).isEqualTo(2);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aServerErrorLeavesTheCursorAndWaitsAtLeastTheHintThenTheBatchIsResent() {
        join("ann", "bob");
        server.inject(new Fault.ServerError(503));

        Worker.Pass failed = worker.syncOnce();

        assertThat(failed.caughtUp()).isFalse();
        assertThat(failed.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(10)); // Meta code 2: transient, 10 s
        assertThat(deliveries.pairing.cursor()).isZero();
        assertThat(worker.stats().retries()).isEqualTo(1);
        assertThat(worker.stats().lastError()).contains("Meta");

        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(deliveries.pairing.cursor()).isEqualTo(2);
        assertThat(server.members(audience.id())).isEqualTo(hashes("ann", "bob"));
        assertThat(deliveries.letters).isEmpty();
    }

    @Test
    void refusedRowsOfAPartialAnswerAreDeadLetteredAndTheCursorMovesOn() {
        join("p0", "p1", "p2", "p3", "p4");
        server.inject(new Fault.Partial(List.of(1, 3)));

        assertThat(worker.syncOnce().caughtUp()).isTrue();

        assertThat(deliveries.pairing.cursor()).isEqualTo(5);
        assertThat(deliveries.letters).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DeadLetter.REFUSED);
            assertThat(d.operation()).isEqualTo("add");
            assertThat(d.personIds()).containsExactly("p1", "p3");
            assertThat(d.message()).isNotBlank();
            assertThat(d.fromSequence()).isEqualTo(1);
            assertThat(d.toSequence()).isEqualTo(5);
        });
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aPermanentErrorDeadLettersTheWholeBatchOnceAndIsNeverRetried() {
        join("ann", "bob");
        server.inject(new Fault.Permanent());

        assertThat(worker.syncOnce().caughtUp()).isTrue();
        assertThat(worker.syncOnce().batches()).isZero();

        assertThat(server.received()).hasSize(1);
        assertThat(deliveries.pairing.cursor()).isEqualTo(2);
        assertThat(deliveries.letters).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DeadLetter.GAVE_UP);
            assertThat(d.code()).startsWith("190");
            assertThat(d.message()).contains("Session has expired");
            assertThat(d.personIds()).containsExactly("ann", "bob");
        });
    }

    @Test
    void backoffGrowsWithJitterUpToItsCapAndNeverUndercutsTheHint() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new SplittableRandom(5));
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = Math.min(2_000, 100L << (attempt - 1));
            for (int i = 0; i < 50; i++) {
                assertThat(b.delay(attempt, Duration.ZERO).toMillis()).isBetween(ceiling / 2, ceiling);
            }
        }
        assertThat(b.delay(1, Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
        assertThat(b.delay(40, null).toMillis()).isBetween(1_000L, 2_000L);
    }
}
