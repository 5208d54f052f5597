package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Source;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardingTest {

    private static Event event(EventType type, Consent consent, Map<String, Object> properties) {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        return new Event("st_1", "e-1", type, null, "a-1", "u-1", "ab".repeat(32), List.of(), new BigDecimal("40.00"),
                "USD", t, t, "https://shop.example/p", null, "UA", "203.0.113.0", Map.of("fbp", "fb.1.1.2"), Map.of(),
                consent, properties, Source.PIXEL);
    }

    @Test
    void theFunnelIsForwardedOnlyWithConsent() {
        assertThat(Forwarding.forwardable(event(EventType.PURCHASE, Consent.UNSTATED, Map.of()))).isTrue();
        assertThat(Forwarding.forwardable(event(EventType.PAGE_VIEW, Consent.UNSTATED, Map.of()))).isFalse();
        assertThat(Forwarding.forwardable(event(EventType.VIEW_CONTENT, new Consent(null, false, null, null, false),
                Map.of()))).isFalse();
        assertThat(Forwarding.forwardable(event(EventType.VIEW_CONTENT, new Consent(null, null, null, null, true),
                Map.of()))).isFalse();
    }

    @Test
    void aForwardedEventKeepsTheBrowsersIdsAndTheOrder() {
        Event e = event(EventType.PURCHASE, Consent.UNSTATED, Map.of("order_id", "o-9"));
        ServerEvent s = Forwarding.event(e, Forwarding.contactOf(e), AdConsent.UNSTATED);
        assertThat(s.eventId()).isEqualTo("e-1");
        assertThat(s.orderId()).isEqualTo("o-9");
        assertThat(s.clickIds()).containsEntry("fbp", "fb.1.1.2");
        assertThat(s.contact().emails()).containsExactly("ab".repeat(32));
        assertThat(s.contact().externalIds()).containsExactly("u-1");
        assertThat(Forwarding.event(e, Contact.EMPTY, new AdConsent(false, Instant.EPOCH)).consent().allowed())
                .as("a person who denied earlier stays denied").isFalse();
    }

    @Test
    void membershipEventNamesAreSafeAndBounded() {
        assertThat(Forwarding.membershipEventName("Cart abandoners (7 d)")).isEqualTo("Rebound_Cart_abandoners_7_d");
        assertThat(Forwarding.membershipEventName("  ")).isEqualTo("Rebound_segment");
        assertThat(Forwarding.membershipEventName("Ünïcödé — viewers")).isEqualTo("Rebound_n_c_d_viewers");
        assertThat(Forwarding.membershipEventName("x".repeat(100))).hasSize(Forwarding.MAX_MEMBERSHIP_EVENT_NAME);
    }
}
