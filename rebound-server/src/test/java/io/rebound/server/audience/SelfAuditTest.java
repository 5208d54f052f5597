package io.rebound.server.audience;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.testkit.TestEvents;
import io.rebound.core.segment.SegmentTemplates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rocksdb.RocksDBException;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded runtime's background self-check finds a membership the engine lost, counts it and repairs it. */
class SelfAuditTest {
    private static final String STORE = "st_test";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE);

    @Test
    void aLostMembershipIsFoundCountedAndRepairedWithinOneAuditInterval() throws Exception {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            h.putSegment(STORE, "buyers", SegmentTemplates.pastPurchasers(30, SegmentTemplates.Scope.STORE));
            h.advanceTo(T0.plusSeconds(1));
            for (int v = 0; v < 5; v++) {
                h.accept(TestEvents.purchase(STORE, "e" + v, "v" + v, T0, "50", "mat"));
            }
            String person = h.personOf(STORE, "v3").orElseThrow();
            assertThat(h.members(STORE, "buyers")).contains(person).hasSize(5);

            // A silent divergence: the stored state says "not a member", and nothing in it says it was not evaluated.
            h.whileStopped(rocks -> {
                byte[] key = AudienceKeys.person(STORE, person);
                PersonState s = PersonStateCodec.decode(rocks.get(AudienceColumns.PERSONS, key));
                PersonState lost = new PersonState(s.storeId(), s.personId(), s.ids(), s.visitor(), Map.of(),
                        s.evaluatedAt(), s.timerAt(), s.evaluatedWith());
                try {
                    rocks.db().put(rocks.family(AudienceColumns.PERSONS), key, PersonStateCodec.encode(lost));
                } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                }
            });
            h.runtime.configureAudit(Duration.ofMinutes(1), 100);
            h.advanceTo(T0.plusSeconds(2));
            h.runtime.maintainNow(); // the first step starts the interval
            assertThat(h.runtime.audits().checked()).isZero();
            h.advanceTo(T0.plus(Duration.ofMinutes(2)));
            h.runtime.maintainNow();
            assertThat(h.runtime.audits().checked()).as("persons audited; segments %s", h.runtime.segments(STORE))
                    .isEqualTo(5);
            assertThat(h.runtime.audits().mismatches()).isEqualTo(1);
            assertThat(h.runtime.audits().lastMismatch()).map(c -> c.personId() + " " + c.kind())
                    .contains(person + " JOINED");
            assertThat(h.changes(STORE, "buyers")).filteredOn(c -> c.personId().equals(person))
                    .extracting(MembershipChange::kind).endsWith(MembershipChange.Kind.JOINED);
            assertThat(h.memberships(STORE, person)).containsKey("buyers");
            assertThat(h.members(STORE, "buyers")).hasSize(5);
        }
    }
}
