package io.rebound.core.campaign;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HoldoutTest {
    private static final int PERSONS = 100_000;

    @Test
    void theShareIsWithinTolerance() {
        for (int share : new int[]{500, 1_000, 2_500, 5_000}) {
            int held = 0;
            for (int i = 0; i < PERSONS; i++) {
                if (Holdout.isHeldOut("cmp_yoga", "person-" + i, share)) {
                    held++;
                }
            }
            double expected = PERSONS * share / 10_000.0;
            // five standard deviations of a binomial: a fair split fails this about once in 3.5 million runs
            double tolerance = 5 * Math.sqrt(PERSONS * (share / 10_000.0) * (1 - share / 10_000.0));
            assertThat((double) held).as("share %d bp", share).isBetween(expected - tolerance, expected + tolerance);
        }
    }

    @Test
    void bucketsAreUniformOverTenDeciles() {
        int[] deciles = new int[10];
        for (int i = 0; i < PERSONS; i++) {
            deciles[Holdout.bucket("cmp_1", "p" + i) / 1_000]++;
        }
        for (int d : deciles) {
            assertThat(d).isBetween(9_500, 10_500);
        }
    }

    @Test
    void campaignsSplitIndependently() {
        int both = 0;
        for (int i = 0; i < PERSONS; i++) {
            if (Holdout.isHeldOut("cmp_a", "p" + i, 1_000) && Holdout.isHeldOut("cmp_b", "p" + i, 1_000)) {
                both++;
            }
        }
        assertThat(both).isBetween(800, 1_200); // 1 % of 100k if independent
    }

    @Test
    void theSplitIsFixedAcrossRuns() {
        // Pinned values: a change here moves persons between holdout and treatment in running campaigns.
        assertThat(Holdout.bucket("cmp_yoga", "person-1")).isEqualTo(39);
        assertThat(Holdout.bucket("cmp_yoga", "person-2")).isEqualTo(5_802);
        assertThat(Holdout.bucket("a", "bc")).isNotEqualTo(Holdout.bucket("ab", "c"));
        assertThat(Holdout.isHeldOut("c", "p", 0)).isFalse();
        assertThat(Holdout.isHeldOut("c", "p", Holdout.BUCKETS)).isTrue();
    }

    @Property
    void aPersonsBucketIsStableAndInRange(@ForAll String campaign, @ForAll String person) {
        int b = Holdout.bucket(campaign, person);
        assertThat(b).isBetween(0, Holdout.BUCKETS - 1).isEqualTo(Holdout.bucket(campaign, person));
    }

    @Property
    void raisingTheShareOnlyAddsPersons(@ForAll String person, @ForAll @IntRange(max = 5_000) int low,
                                        @ForAll @IntRange(max = 5_000) int extra) {
        if (Holdout.isHeldOut("cmp", person, low)) {
            assertThat(Holdout.isHeldOut("cmp", person, low + extra)).isTrue();
        }
    }
}
