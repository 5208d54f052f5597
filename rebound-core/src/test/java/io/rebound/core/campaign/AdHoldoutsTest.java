package io.rebound.core.campaign;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdHoldoutsTest {

    private static AdHoldouts.Campaign campaign(String id, String segment, List<String> ads, int basisPoints) {
        return new AdHoldouts.Campaign(id, new CampaignDefinition("c", segment, new Channels(ads, false, true, List.of()),
                List.of(new Touch(Duration.ZERO, new Creative(List.of(), true, "h"), null)), 3, basisPoints));
    }

    @Test
    void onlyCampaignsOnTheSegmentThatListTheDestinationHoldPersonsBack() {
        List<AdHoldouts.Campaign> all = List.of(
                campaign("cmp_b", "seg", List.of("dst_1"), 1_000),
                campaign("cmp_a", "seg", List.of("dst_1", "dst_2"), 2_000),
                campaign("cmp_other_segment", "other", List.of("dst_1"), 5_000),
                campaign("cmp_no_ads", "seg", List.of(), 5_000),
                campaign("cmp_zero", "seg", List.of("dst_1"), 0));
        assertThat(AdHoldouts.splits(all, "dst_1", "seg")).containsExactly(
                new AdHoldouts.Split("cmp_a", 2_000), new AdHoldouts.Split("cmp_b", 1_000));
        assertThat(AdHoldouts.splits(all, "dst_2", "seg")).containsExactly(new AdHoldouts.Split("cmp_a", 2_000));
        assertThat(AdHoldouts.splits(all, "dst_3", "seg")).isEmpty();
    }

    @Test
    void aPersonHeldOutOfAnyListedCampaignIsWithheldAndTheShareIsTheCampaigns() {
        List<AdHoldouts.Split> one = List.of(new AdHoldouts.Split("cmp_a", 1_000));
        int withheld = 0;
        for (int i = 0; i < 20_000; i++) {
            String person = "p" + i;
            boolean w = AdHoldouts.withheld(one, person);
            assertThat(w).isEqualTo(Holdout.isHeldOut("cmp_a", person, 1_000));
            withheld += w ? 1 : 0;
        }
        assertThat(withheld / 20_000.0).isBetween(0.09, 0.11);
        List<AdHoldouts.Split> two = List.of(new AdHoldouts.Split("cmp_a", 1_000), new AdHoldouts.Split("cmp_b", 1_000));
        for (int i = 0; i < 2_000; i++) {
            String person = "p" + i;
            assertThat(AdHoldouts.withheld(two, person))
                    .isEqualTo(Holdout.isHeldOut("cmp_a", person, 1_000) || Holdout.isHeldOut("cmp_b", person, 1_000));
        }
        assertThat(AdHoldouts.withheld(List.of(), "p1")).isFalse();
    }
}
