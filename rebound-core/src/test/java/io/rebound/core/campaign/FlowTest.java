package io.rebound.core.campaign;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The four flows as data: what a purchase means per flow, the JSON field, and the per-touch
 * decision email uses agreeing with the on-site one.
 */
class FlowTest {
    static final Instant JOINED = OfferSequencerTest.JOINED;

    static CampaignDefinition campaign(Flow flow) {
        Creative carousel = new Creative(List.of("yoga-mat", "yoga-block"), false, "Still thinking?");
        return new CampaignDefinition("Flow", "seg", new Channels(List.of(), true, true, List.of()),
                List.of(new Touch(Duration.ofHours(1), carousel, null),
                        new Touch(Duration.ofHours(24), carousel, null),
                        new Touch(Duration.ofHours(72), carousel, new Offer(10, new BigDecimal("50"), "USD", 48, 0))),
                3, 0, flow);
    }

    static Situation situation(Flow flow, Instant convertedAt, List<IssuedOffer> offers, int shownToday) {
        return new Situation("cmp", campaign(flow), "person", JOINED, convertedAt, offers, List.of(), shownToday);
    }

    @Provide
    Arbitrary<Flow> flows() {
        return Arbitraries.of(Flow.class);
    }

    @Property
    void aPurchaseAtOrAfterJoiningEndsEveryTouchOfAnAbandonerFlowButNotOfPostPurchase(
            @ForAll("flows") Flow flow, @ForAll @LongRange(min = 0, max = 200) long boughtHoursAfterJoining,
            @ForAll @LongRange(min = 0, max = 300) long nowHoursAfterJoining, @ForAll @IntRange(max = 2) int touch) {
        Instant bought = JOINED.plus(Duration.ofHours(boughtHoursAfterJoining));
        Instant now = JOINED.plus(Duration.ofHours(nowHoursAfterJoining));
        Situation s = situation(flow, bought, List.of(), 0);
        Decision perTouch = OfferSequencer.decideTouch(s, touch, now);
        Decision latest = OfferSequencer.decide(s, now);
        if (flow.exitsOnPurchase()) {
            assertThat(perTouch.reason()).isEqualTo("converted");
            assertThat(latest.reason()).isEqualTo("converted");
        } else {
            assertThat(perTouch.reason()).isNotEqualTo("converted");
            assertThat(latest.reason()).isNotEqualTo("converted");
        }
    }

    @Property
    void theLatestDueTouchDecidedAloneIsDecidedTheSameWay(
            @ForAll("flows") Flow flow, @ForAll @LongRange(min = -10, max = 300) long nowHoursAfterJoining,
            @ForAll @IntRange(max = 4) int shownToday, @ForAll boolean holdsOffer,
            @ForAll @LongRange(min = -100, max = 200) long offerIssuedHoursAfterJoining) {
        Instant now = JOINED.plus(Duration.ofHours(nowHoursAfterJoining));
        Instant issued = JOINED.plus(Duration.ofHours(offerIssuedHoursAfterJoining));
        List<IssuedOffer> offers = holdsOffer ? List.of(new IssuedOffer("cmp", 2, "RB-X", issued, issued.plus(Duration.ofHours(48))))
                : List.of();
        Situation s = situation(flow, null, offers, shownToday);
        Decision latest = OfferSequencer.decide(s, now);
        if (latest.kind().shows()) {
            assertThat(OfferSequencer.decideTouch(s, latest.touch(), now)).isEqualTo(latest);
        }
        for (int t = 0; t < 3; t++) {
            Decision d = OfferSequencer.decideTouch(s, t, now);
            Instant due = JOINED.plus(s.campaign().touches().get(t).afterJoining());
            if (now.isBefore(due)) {
                assertThat(d.reason()).isEqualTo("not_due");
                assertThat(d.nextAt()).isEqualTo(due);
            } else {
                assertThat(d.kind().shows()).isEqualTo(shownToday < 3);
                assertThat(d.touch()).isIn(t, -1);
            }
        }
    }

    @Test
    void anEarlierTouchIsStillDecidedForItselfWhenALaterOneIsDue() {
        Instant late = JOINED.plus(Duration.ofHours(100));
        Situation s = situation(Flow.ABANDONED_CART, null, List.of(), 0);
        assertThat(OfferSequencer.decide(s, late).touch()).isEqualTo(2);
        Decision first = OfferSequencer.decideTouch(s, 0, late);
        assertThat(first.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(first.touch()).isZero();
        assertThat(OfferSequencer.decideTouch(s, 2, late).kind()).isEqualTo(Decision.Kind.NEW_OFFER);
        assertThatThrownBy(() -> OfferSequencer.decideTouch(s, 3, late)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFlowIsAFieldOfTheCampaignWithAbandonedCartAsDefault() {
        Map<String, Object> json = CampaignDefinitionsTest.yoga();
        assertThat(CampaignDefinitions.parse(json).flow()).isEqualTo(Flow.ABANDONED_CART);
        assertThat(CampaignDefinitions.toJson(CampaignDefinitions.parse(json))).doesNotContainKey("flow");
        for (Flow f : Flow.values()) {
            json.put("flow", f.wireName());
            CampaignDefinition d = CampaignDefinitions.parse(json);
            assertThat(d.flow()).isEqualTo(f);
            assertThat(CampaignDefinitions.parse(CampaignDefinitions.toJson(d))).isEqualTo(d);
        }
        json.put("flow", "newsletter");
        assertThatThrownBy(() -> CampaignDefinitions.parse(json)).isInstanceOfSatisfying(InvalidCampaignException.class,
                e -> assertThat(e.violations()).anySatisfy(v -> assertThat(v.field()).isEqualTo("flow")));
        json.put("flow", 3);
        assertThatThrownBy(() -> CampaignDefinitions.parse(json)).isInstanceOf(InvalidCampaignException.class);
    }
}
