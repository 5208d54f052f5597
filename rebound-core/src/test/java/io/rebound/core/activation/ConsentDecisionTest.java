package io.rebound.core.activation;

import io.rebound.core.activation.ConsentDecision.Purpose;
import io.rebound.core.activation.ConsentDecision.Signal;
import io.rebound.core.engine.AdConsent;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ConsentDecisionTest {

    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
    private static final AdConsent GRANTED = new AdConsent(true, T);
    private static final AdConsent DENIED = new AdConsent(false, T);

    @Test
    void aDeniedPersonIsNeverAddedNorSentInEvents() {
        for (Purpose p : new Purpose[] {Purpose.ADD_TO_LIST, Purpose.SERVER_EVENT}) {
            ConsentDecision d = ConsentDecision.decide(DENIED, ConsentPolicy.DEFAULT, p);
            assertThat(d.send()).isFalse();
            assertThat(d.reason()).contains("denied");
        }
    }

    @Test
    void aRemovalIsAlwaysSentBecauseItCarriesTheDenial() {
        ConsentDecision d = ConsentDecision.decide(DENIED, new ConsentPolicy(true, true), Purpose.REMOVE_FROM_LIST);
        assertThat(d.send()).isTrue();
        assertThat(d.limitedDataUse()).isTrue();
        assertThat(d.adUserData()).isEqualTo(Signal.UNSPECIFIED);
    }

    @Test
    void googleSignalsAreClaimedGrantedOnlyWhenThePersonStatedConsent() {
        ConsentDecision stated = ConsentDecision.decide(GRANTED, ConsentPolicy.DEFAULT, Purpose.ADD_TO_LIST);
        assertThat(stated.adUserData()).isEqualTo(Signal.GRANTED);
        assertThat(stated.adPersonalization()).isEqualTo(Signal.GRANTED);
        ConsentDecision unstated = ConsentDecision.decide(AdConsent.UNSTATED, ConsentPolicy.DEFAULT, Purpose.ADD_TO_LIST);
        assertThat(unstated.send()).isTrue();
        assertThat(unstated.adUserData()).isEqualTo(Signal.UNSPECIFIED);
    }

    @Test
    void aStoreThatRequiresConsentWithholdsPersonsWhoNeverStatedIt() {
        ConsentPolicy strict = new ConsentPolicy(true, false);
        assertThat(ConsentDecision.decide(AdConsent.UNSTATED, strict, Purpose.ADD_TO_LIST).send()).isFalse();
        assertThat(ConsentDecision.decide(GRANTED, strict, Purpose.ADD_TO_LIST).send()).isTrue();
    }

    @Test
    void limitedDataUseFollowsTheStorePolicy() {
        assertThat(ConsentDecision.decide(GRANTED, new ConsentPolicy(false, true), Purpose.SERVER_EVENT).limitedDataUse()).isTrue();
        assertThat(ConsentDecision.decide(GRANTED, ConsentPolicy.DEFAULT, Purpose.SERVER_EVENT).limitedDataUse()).isFalse();
    }

    @Property
    void onlyRemovalsIgnoreConsent(@ForAll boolean allowed, @ForAll boolean stated, @ForAll boolean require,
                                   @ForAll boolean ldu, @ForAll Purpose purpose) {
        AdConsent consent = new AdConsent(allowed, stated ? T : null);
        ConsentDecision d = ConsentDecision.decide(consent, new ConsentPolicy(require, ldu), purpose);
        boolean expected = purpose == Purpose.REMOVE_FROM_LIST || allowed && (stated || !require);
        assertThat(d.send()).isEqualTo(expected);
        if (!d.send()) {
            assertThat(d.limitedDataUse()).isFalse();
            assertThat(d.adUserData()).isEqualTo(Signal.UNSPECIFIED);
        }
    }
}
