package io.rebound.server.audience;

import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.rebound.server.audience.EmbeddedRuntimeDurabilityTest.view;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership look-ups answer from memory what RocksDB has committed: a join is visible only once its
 * unit of work has committed, survives a restart and a crash (the index is loaded again), and goes
 * with an erasure or the segment's deletion; a sample of a segment has exactly the members asked for.
 */
class MemberIndexTest {
    private static final String STORE = "st_diff";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    static final MetadataFixture META = new MetadataFixture(STORE);

    @Test
    void lookupsShowCommittedMembershipsAcrossCrashRestartErasureAndDeletion() {
        try (AudienceHarness h = META.freshHarness()) {
            h.advanceTo(T0);
            h.putSegment(STORE, "viewers", SegmentTemplates.productViewers(7, Scope.STORE));
            List<Boolean> seenBeforeCommit = new CopyOnWriteArrayList<>();
            AudienceReader reader = h.runtime.reader();
            h.runtime.beforeCommit = () -> seenBeforeCommit.add(reader.isMember(STORE, "viewers", "a:v1"));
            h.accept(view("e1", "v1", T0));
            String v1 = h.personOf(STORE, "v1").orElseThrow();
            assertThat(v1).isEqualTo("a:v1");
            assertThat(seenBeforeCommit).as("not visible while the join is being committed").contains(false);
            assertThat(h.runtime.reader().isMember(STORE, "viewers", v1)).isTrue();
            assertThat(h.runtime.reader().isMember(STORE, "viewers", "a:nobody")).isFalse();
            assertThat(h.runtime.reader().isMember(STORE, "no-such-segment", v1)).isFalse();

            // A join whose unit of work never commits is not visible; replayed after the crash, it is.
            h.crash(() -> h.accept(view("e2", "v2", T0)));
            h.advanceTo(T0);
            assertThat(h.runtime.reader().isMember(STORE, "viewers", "a:v2")).isTrue();
            h.restart();
            assertThat(h.runtime.reader().isMember(STORE, "viewers", v1)).isTrue();

            h.runtime.eraseVisitor(STORE, "v1");
            assertThat(h.runtime.reader().isMember(STORE, "viewers", v1)).isFalse();
            h.deleteSegment(STORE, "viewers");
            assertThat(h.runtime.reader().isMember(STORE, "viewers", "a:v2")).isFalse();
            h.restart();
            assertThat(h.runtime.reader().isMember(STORE, "viewers", "a:v2")).isFalse();
        }
    }

    @Test
    void theIndexSamplesExactlyTheAskedNumberOfDistinctMembers() {
        for (int size = 0; size <= 40; size++) {
            MemberIndex index = new MemberIndex();
            for (int i = 0; i < size; i++) {
                index.add(STORE, "g", "p" + i);
            }
            for (int max = 1; max <= 45; max++) {
                MemberIndex.Sample sample = index.sample(STORE, "g", max);
                List<String> ids = sample.personIds();
                assertThat(sample.size()).isEqualTo(size);
                assertThat(ids).as("size %d, max %d", size, max).hasSize(Math.min(size, max));
                Set<String> distinct = new HashSet<>(ids);
                assertThat(distinct).hasSize(ids.size());
                assertThat(ids).allMatch(p -> index.contains(STORE, "g", p));
            }
        }
        assertThat(new MemberIndex().sample(STORE, "none", 10)).isEqualTo(new MemberIndex.Sample(List.of(), 0));
    }
}
