package io.rebound.core.campaign;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OfferSequencerTest {
    static final Instant JOINED = Instant.parse("2026-03-01T10:00:00Z");
    static final Instant OFFER_DUE = JOINED.plus(Duration.ofHours(72));

    static final Offer TEN_OFF = new Offer(10, new BigDecimal("50"), "USD", 48, 0);

    /** A reminder at once, 10 % off orders over $50 after 72 h; no holdout unless asked. */
    static CampaignDefinition campaign(int holdoutBasisPoints, int cap, int minMargin) {
        Creative carousel = new Creative(List.of("yoga-mat", "yoga-block", "yoga-strap"), false, "Still thinking?");
        return new CampaignDefinition("Yoga", "seg", new Channels(List.of(), false, true, List.of()),
                List.of(new Touch(Duration.ZERO, carousel, null),
                        new Touch(Duration.ofHours(72), carousel, new Offer(10, new BigDecimal("50"), "USD", 48, minMargin))),
                cap, holdoutBasisPoints);
    }

    static Situation situation(Instant convertedAt, List<IssuedOffer> offers, List<ProductPrice> products, int shownToday) {
        return new Situation("cmp", campaign(0, 3, 0), "person", JOINED, convertedAt, offers, products, shownToday);
    }

    static Situation plain() {
        return situation(null, List.of(), List.of(), 0);
    }

    static Decision at(Situation s, Instant now) {
        return OfferSequencer.decide(s, now);
    }

    @Test
    void aNonMemberGetsNothing() {
        Situation s = new Situation("cmp", campaign(0, 3, 0), "p", null, null, List.of(), List.of(), 0);
        assertThat(at(s, JOINED).reason()).isEqualTo("not_in_segment");
    }

    @Test
    void theFirstTouchIsAReminderFromTheInstantOfJoining() {
        Decision before = at(situation(null, List.of(), List.of(), 0), JOINED.minus(Duration.ofMillis(1)));
        assertThat(before.kind()).isEqualTo(Decision.Kind.NOTHING);
        assertThat(before.reason()).isEqualTo("not_due");
        assertThat(before.nextAt()).isEqualTo(JOINED);
        Decision now = at(plain(), JOINED);
        assertThat(now.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(now.touch()).isZero();
        assertThat(now.reason()).isEqualTo("reminder");
        assertThat(now.nextAt()).isEqualTo(OFFER_DUE);
        assertThat(now.offer()).isNull();
    }

    @Test
    void theOfferTouchFallsDueAtTheExactInstant() {
        assertThat(at(plain(), OFFER_DUE.minus(Duration.ofMillis(1))).touch()).isZero();
        Decision due = at(plain(), OFFER_DUE);
        assertThat(due.kind()).isEqualTo(Decision.Kind.NEW_OFFER);
        assertThat(due.touch()).isEqualTo(1);
        assertThat(due.reason()).isEqualTo("offer");
        assertThat(due.offer()).isEqualTo(TEN_OFF);
        assertThat(due.code()).isNull();
        assertThat(due.expiresAt()).isEqualTo(OFFER_DUE.plus(Duration.ofHours(48)));
        assertThat(due.nextAt()).isNull();
    }

    @Test
    void holdoutMembersGetNothingEvenWhenATouchIsDue() {
        CampaignDefinition c = campaign(5_000, 3, 0);
        int held = 0;
        for (int i = 0; i < 200; i++) {
            String person = "p" + i;
            Decision d = OfferSequencer.decide(new Situation("cmp", c, person, JOINED, null, List.of(), List.of(), 0), OFFER_DUE);
            if (Holdout.isHeldOut("cmp", person, 5_000)) {
                held++;
                assertThat(d.kind()).isEqualTo(Decision.Kind.NOTHING);
                assertThat(d.reason()).isEqualTo("holdout");
            } else {
                assertThat(d.kind()).isEqualTo(Decision.Kind.NEW_OFFER);
            }
        }
        assertThat(held).isBetween(60, 140);
    }

    @Test
    void aPersonWhoBoughtAtOrAfterJoiningGetsNothing() {
        assertThat(at(situation(JOINED, List.of(), List.of(), 0), OFFER_DUE).reason()).isEqualTo("converted");
        assertThat(at(situation(OFFER_DUE.minusSeconds(5), List.of(), List.of(), 0), OFFER_DUE).kind())
                .isEqualTo(Decision.Kind.NOTHING);
        // A purchase before this membership began does not count: they came back and left again.
        assertThat(at(situation(JOINED.minus(Duration.ofMillis(1)), List.of(), List.of(), 0), OFFER_DUE).kind())
                .isEqualTo(Decision.Kind.NEW_OFFER);
    }

    @Test
    void theDailyCapStopsTouchesUntilMidnightUtc() {
        Decision capped = at(situation(null, List.of(), List.of(), 3), JOINED);
        assertThat(capped.kind()).isEqualTo(Decision.Kind.NOTHING);
        assertThat(capped.reason()).isEqualTo("capped");
        assertThat(capped.nextAt()).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(at(situation(null, List.of(), List.of(), 2), JOINED).kind()).isEqualTo(Decision.Kind.REMINDER);
    }

    @Test
    void anIssuedOfferIsShownAgainUntilItExpiresThenOnlyReminders() {
        Instant expires = OFFER_DUE.plus(Duration.ofHours(48));
        IssuedOffer mine = new IssuedOffer("cmp", 1, "RB-CODE", OFFER_DUE, expires);
        Decision again = at(situation(null, List.of(mine), List.of(), 0), expires.minus(Duration.ofMillis(1)));
        assertThat(again.kind()).isEqualTo(Decision.Kind.SHOW_OFFER);
        assertThat(again.code()).isEqualTo("RB-CODE");
        assertThat(again.expiresAt()).isEqualTo(expires);
        Decision expired = at(situation(null, List.of(mine), List.of(), 0), expires);
        assertThat(expired.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(expired.touch()).isEqualTo(1);
        assertThat(expired.reason()).isEqualTo("offer_expired");
    }

    @Test
    void aSerialAbandonerGetsRemindersButNoNewOffer() {
        // An offer from another campaign of the store, before this membership began: took it, abandoned again.
        IssuedOffer earlier = new IssuedOffer("cmp_cart", 2, "RB-OLD", JOINED.minus(Duration.ofDays(20)),
                JOINED.minus(Duration.ofDays(18)));
        Decision d = at(situation(null, List.of(earlier), List.of(), 0), OFFER_DUE);
        assertThat(d.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(d.touch()).isEqualTo(1);
        assertThat(d.reason()).isEqualTo("serial_abandoner");
        // The same campaign's own offer from an earlier membership: same answer, never a second code.
        IssuedOffer ownEarlier = new IssuedOffer("cmp", 1, "RB-OWN", JOINED.minus(Duration.ofDays(5)),
                JOINED.minus(Duration.ofDays(3)));
        assertThat(at(situation(null, List.of(ownEarlier), List.of(), 0), OFFER_DUE).reason()).isEqualTo("serial_abandoner");
        // An offer issued at the very instant of joining belongs to this membership: not serial.
        IssuedOffer sameInstant = new IssuedOffer("cmp_cart", 0, "RB-NOW", JOINED, JOINED.plus(Duration.ofHours(1)));
        assertThat(at(situation(null, List.of(sameInstant), List.of(), 0), OFFER_DUE).kind())
                .isEqualTo(Decision.Kind.NEW_OFFER);
    }

    @Test
    void offersDoNotStack() {
        IssuedOffer other = new IssuedOffer("cmp_cart", 0, "RB-X", JOINED.plusSeconds(60), OFFER_DUE.plus(Duration.ofMillis(1)));
        Decision d = at(situation(null, List.of(other), List.of(), 0), OFFER_DUE);
        assertThat(d.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(d.reason()).isEqualTo("other_offer_active");
        // Once the other code expired the offer is given.
        assertThat(at(situation(null, List.of(other), List.of(), 0), OFFER_DUE.plus(Duration.ofMillis(1))).kind())
                .isEqualTo(Decision.Kind.NEW_OFFER);
    }

    @Test
    void theMarginGuardRefusesAnOfferBelowCostButAllowsOneExactlyAtTheFloor() {
        // 10 % off 40.00 is 36.00: a cost of 36.00 is exactly the floor, 36.01 is above it.
        ProductPrice atFloor = new ProductPrice("yoga-mat", new BigDecimal("40.00"), new BigDecimal("36.00"));
        ProductPrice above = new ProductPrice("yoga-mat", new BigDecimal("40.00"), new BigDecimal("36.01"));
        ProductPrice unknownCost = new ProductPrice("yoga-strap", new BigDecimal("10"), null);
        assertThat(at(situation(null, List.of(), List.of(atFloor, unknownCost), 0), OFFER_DUE).kind())
                .isEqualTo(Decision.Kind.NEW_OFFER);
        Decision guarded = at(situation(null, List.of(), List.of(unknownCost, above), 0), OFFER_DUE);
        assertThat(guarded.kind()).isEqualTo(Decision.Kind.REMINDER);
        assertThat(guarded.reason()).isEqualTo("margin_guard");
        assertThat(guarded.detail()).contains("yoga-mat");
    }

    @Test
    void aMinimumMarginRaisesTheFloor() {
        // floor = cost × 1.2 = 30.00; 10 % off 40.00 = 36.00 passes, 10 % off 33.00 = 29.70 does not.
        Situation ok = new Situation("cmp", campaign(0, 3, 20), "person", JOINED, null, List.of(),
                List.of(new ProductPrice("m", new BigDecimal("40"), new BigDecimal("25"))), 0);
        assertThat(at(ok, OFFER_DUE).kind()).isEqualTo(Decision.Kind.NEW_OFFER);
        Situation low = new Situation("cmp", campaign(0, 3, 20), "person", JOINED, null, List.of(),
                List.of(new ProductPrice("m", new BigDecimal("33"), new BigDecimal("25"))), 0);
        assertThat(at(low, OFFER_DUE).reason()).isEqualTo("margin_guard");
    }

    /** Over any instant, cap use and conversion, a new offer only goes to an unconverted, uncapped member past the offer touch. */
    @Property
    void aNewOfferNeedsEveryCondition(@ForAll @LongRange(min = -200, max = 400) long hoursAfterJoining,
                                      @ForAll @IntRange(max = 5) int shownToday,
                                      @ForAll @LongRange(min = -100, max = 300) long boughtHoursAfterJoining,
                                      @ForAll boolean bought) {
        Instant now = JOINED.plus(Duration.ofHours(hoursAfterJoining));
        Instant converted = bought ? JOINED.plus(Duration.ofHours(boughtHoursAfterJoining)) : null;
        Decision d = at(situation(converted, List.of(), List.of(), shownToday), now);
        boolean expectOffer = hoursAfterJoining >= 72 && shownToday < 3 && (!bought || boughtHoursAfterJoining < 0);
        assertThat(d.kind() == Decision.Kind.NEW_OFFER).isEqualTo(expectOffer);
        if (d.kind().shows()) {
            assertThat(d.touch()).isBetween(0, 1);
        } else {
            assertThat(d.touch()).isEqualTo(-1);
        }
    }
}
