package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventNamesTest {

    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    private static ServerEvent event(EventType type, String name) {
        return new ServerEvent("e1", type, name, T, null, null, null, null, Map.of(), null, null, null, null, null,
                AdConsent.UNSTATED);
    }

    @Test
    void eachPlatformGetsItsOwnNameForAPurchase() {
        ServerEvent purchase = event(EventType.PURCHASE, null);
        assertThat(EventNames.of(Platform.META, purchase)).isEqualTo("Purchase");
        assertThat(EventNames.of(Platform.TIKTOK, purchase)).isEqualTo("CompletePayment");
        assertThat(EventNames.of(Platform.PINTEREST, purchase)).isEqualTo("checkout");
        assertThat(EventNames.of(Platform.GOOGLE, purchase)).isNull();
    }

    @Test
    void membershipEventsKeepTheirNameWhereThePlatformAllowsCustomNames() {
        ServerEvent joined = event(EventType.CUSTOM, "rebound_cart_abandoners");
        assertThat(EventNames.of(Platform.META, joined)).isEqualTo("rebound_cart_abandoners");
        assertThat(EventNames.of(Platform.TIKTOK, joined)).isEqualTo("rebound_cart_abandoners");
        assertThat(EventNames.of(Platform.PINTEREST, joined)).isEqualTo("custom");
    }

    @Test
    void metaFbcIsBuiltFromFbclidWhenTheCookieIsMissing() {
        ServerEvent e = new ServerEvent("e1", EventType.VIEW_CONTENT, null, T, null, null, null, null,
                Map.of(ClickIds.FBCLID, "IwAR123", ClickIds.FBCLID_AT, "1767261600000"), null, null, null, null,
                null, null);
        assertThat(e.metaFbc()).isEqualTo("fb.1.1767261600000.IwAR123");
        ServerEvent cookie = new ServerEvent("e1", EventType.VIEW_CONTENT, null, T, null, null, null, null,
                Map.of(ClickIds.FBC, "fb.1.1.abc", ClickIds.FBCLID, "x"), null, null, null, null, null, null);
        assertThat(cookie.metaFbc()).isEqualTo("fb.1.1.abc");
    }

    @Test
    void metaRefusesEventsOlderThanSevenDaysOthersDocumentNoAge() {
        assertThat(PlatformLimits.META.tooOld(T.minus(Duration.ofDays(7)).minusSeconds(1), T)).isTrue();
        assertThat(PlatformLimits.META.tooOld(T.minus(Duration.ofDays(6)), T)).isFalse();
        assertThat(PlatformLimits.PINTEREST.tooOld(T.minus(Duration.ofDays(60)), T)).isFalse();
    }
}
