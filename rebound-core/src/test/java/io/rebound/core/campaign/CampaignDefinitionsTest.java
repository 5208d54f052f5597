package io.rebound.core.campaign;

import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CampaignDefinitionsTest {

    /** The seed's campaign: a reminder at once, then 10 % off orders over $50 three days later. */
    static Map<String, Object> yoga() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", "Yoga mat viewers");
        json.put("segment_id", "seg_yoga");
        json.put("channels", new LinkedHashMap<>(Map.of("ads", List.of("dest_meta"), "email", false, "onsite", true)));
        List<Object> touches = new ArrayList<>();
        touches.add(new LinkedHashMap<>(Map.of("after_hours", 0, "creative",
                Map.of("products", List.of("yoga-mat", "yoga-block", "yoga-strap"), "headline", "Still thinking about it?"))));
        touches.add(new LinkedHashMap<>(Map.of("after_hours", 72, "creative",
                Map.of("products", "segment", "headline", "10 % off your mat"),
                "offer", Map.of("percent", 10, "minimum_order", Map.of("amount", 50, "currency", "usd"),
                        "expires_hours", 48))));
        json.put("touches", touches);
        return json;
    }

    private static List<String> fields(Map<String, Object> json) {
        InvalidCampaignException e = catchThrowableOfType(InvalidCampaignException.class,
                () -> CampaignDefinitions.parse(json));
        assertThat(e).as("expected the definition to be rejected").isNotNull();
        return e.violations().stream().map(Violation::field).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> touch(Map<String, Object> json, int i) {
        return (Map<String, Object>) ((List<Object>) json.get("touches")).get(i);
    }

    @Test
    void theSeedCampaignParsesWithDefaultsAndRoundTrips() {
        CampaignDefinition d = CampaignDefinitions.parse(yoga());
        assertThat(d.name()).isEqualTo("Yoga mat viewers");
        assertThat(d.segmentId()).isEqualTo("seg_yoga");
        assertThat(d.channels().ads()).containsExactly("dest_meta");
        assertThat(d.channels().servesPlacement("home_banner")).isTrue();
        assertThat(d.touches()).hasSize(2);
        assertThat(d.touches().get(0).isReminder()).isTrue();
        assertThat(d.touches().get(0).creative().productIds()).containsExactly("yoga-mat", "yoga-block", "yoga-strap");
        assertThat(d.touches().get(1).afterJoining()).isEqualTo(Duration.ofHours(72));
        assertThat(d.touches().get(1).creative().segmentProducts()).isTrue();
        Offer o = d.touches().get(1).offer();
        assertThat(o.percent()).isEqualTo(10);
        assertThat(o.minimumOrder()).isEqualByComparingTo("50");
        assertThat(o.currency()).isEqualTo("USD");
        assertThat(o.expiresHours()).isEqualTo(48);
        assertThat(o.minMarginPercent()).isZero();
        assertThat(d.capPerPersonPerDay()).isEqualTo(CampaignDefinitions.DEFAULT_CAP);
        assertThat(d.holdoutBasisPoints()).isEqualTo(1_000);
        assertThat(CampaignDefinitions.parse(CampaignDefinitions.toJson(d))).isEqualTo(d);
    }

    @Test
    void holdoutAcceptsZeroToFiftyPercentWithTwoDecimals() {
        Map<String, Object> json = yoga();
        json.put("holdout_percent", new BigDecimal("12.5"));
        CampaignDefinition d = CampaignDefinitions.parse(json);
        assertThat(d.holdoutBasisPoints()).isEqualTo(1_250);
        assertThat(CampaignDefinitions.parse(CampaignDefinitions.toJson(d))).isEqualTo(d);
        json.put("holdout_percent", 0);
        assertThat(CampaignDefinitions.parse(json).holdoutBasisPoints()).isZero();
        json.put("holdout_percent", 50);
        assertThat(CampaignDefinitions.parse(json).holdoutBasisPoints()).isEqualTo(5_000);
        for (Object bad : List.of(51, -1, new BigDecimal("10.125"), "ten", true)) {
            json.put("holdout_percent", bad);
            assertThat(fields(json)).as("holdout %s", bad).containsExactly("holdout_percent");
        }
    }

    @Test
    void placementsNarrowTheOnsiteChannel() {
        Map<String, Object> json = yoga();
        json.put("channels", Map.of("onsite", List.of("home_banner", "cart_drawer")));
        CampaignDefinition d = CampaignDefinitions.parse(json);
        assertThat(d.channels().servesPlacement("cart_drawer")).isTrue();
        assertThat(d.channels().servesPlacement("footer")).isFalse();
        assertThat(CampaignDefinitions.parse(CampaignDefinitions.toJson(d))).isEqualTo(d);
        json.put("channels", Map.of("email", true));
        assertThat(CampaignDefinitions.parse(json).channels().servesPlacement("home_banner")).isFalse();
    }

    @Test
    void everyBadFieldIsNamedAtOnce() {
        Map<String, Object> json = yoga();
        json.put("name", " ");
        json.remove("segment_id");
        json.put("colour", "red");
        json.put("caps", Map.of("per_person_per_day", 0));
        touch(json, 0).put("after_hours", 80);
        Map<String, Object> offer = new LinkedHashMap<>(Map.of("percent", 95, "expires_hours", 0,
                "minimum_order", Map.of("amount", "50.001", "currency", "USD")));
        touch(json, 1).put("offer", offer);
        touch(json, 1).put("creative", Map.of("products", List.of("mat", "mat", "bad id"), "headline", ""));
        assertThat(fields(json)).containsExactlyInAnyOrder("name", "segment_id", "colour", "caps.per_person_per_day",
                "touches[1].after_hours", "touches[1].creative.headline", "touches[1].creative.products[1]",
                "touches[1].creative.products[2]", "touches[1].offer.percent", "touches[1].offer.expires_hours",
                "touches[1].offer.minimum_order.amount");
    }

    @Test
    void sizesAreBounded() {
        Map<String, Object> json = yoga();
        List<Object> touches = new ArrayList<>();
        for (int i = 0; i <= CampaignDefinitions.MAX_TOUCHES; i++) {
            touches.add(Map.of("after_hours", i, "creative", Map.of("products", "segment", "headline", "h")));
        }
        json.put("touches", touches);
        assertThat(fields(json)).containsExactly("touches");

        json = yoga();
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= CampaignDefinitions.MAX_PRODUCTS; i++) {
            many.add("p" + i);
        }
        touch(json, 0).put("creative", Map.of("products", many, "headline", "h"));
        assertThat(fields(json)).containsExactly("touches[0].creative.products");

        json = yoga();
        json.put("name", "n".repeat(201));
        touch(json, 1).put("after_hours", CampaignDefinitions.MAX_AFTER_HOURS + 1);
        assertThat(fields(json)).containsExactly("name", "touches[1].after_hours");

        json = yoga();
        json.put("channels", Map.of("onsite", true, "ads", List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")));
        assertThat(fields(json)).containsExactly("channels.ads");

        json = yoga();
        Object deep = "x";
        for (int i = 0; i < 12; i++) {
            deep = List.of(deep);
        }
        json.put("name", deep);
        assertThat(fields(json)).hasSize(1);
    }

    @Test
    void aCampaignNeedsAChannelTouchesAndACreative() {
        Map<String, Object> json = yoga();
        json.put("channels", Map.of("email", false, "onsite", false));
        assertThat(fields(json)).containsExactly("channels");
        json.put("channels", Map.of("onsite", List.of()));
        assertThat(fields(json)).contains("channels.onsite");
        json = yoga();
        json.put("touches", List.of());
        assertThat(fields(json)).containsExactly("touches");
        json.put("touches", List.of(Map.of("after_hours", 0)));
        assertThat(fields(json)).containsExactly("touches[0].creative");
        json.put("touches", List.of(Map.of("after_hours", 1.5, "creative", Map.of("products", "all", "headline", "h"))));
        assertThat(fields(json)).containsExactly("touches[0].after_hours", "touches[0].creative.products");
        assertThatThrownBy(() -> CampaignDefinitions.parse(null)).isInstanceOf(InvalidCampaignException.class);
    }

    @Test
    void offerCurrencyAndAmountAreChecked() {
        Map<String, Object> json = yoga();
        touch(json, 1).put("offer", Map.of("percent", 10, "expires_hours", 48,
                "minimum_order", Map.of("amount", "50.5", "currency", "JPY")));
        assertThat(fields(json)).containsExactly("touches[1].offer.minimum_order.amount");
        touch(json, 1).put("offer", Map.of("percent", 10, "expires_hours", 48,
                "minimum_order", Map.of("amount", -5, "currency", "XYZ")));
        assertThat(fields(json)).containsExactlyInAnyOrder("touches[1].offer.minimum_order.amount",
                "touches[1].offer.minimum_order.currency");
        touch(json, 1).put("offer", Map.of("percent", 90, "expires_hours", 720, "min_margin_percent", 30));
        Offer o = CampaignDefinitions.parse(json).touches().get(1).offer();
        assertThat(o.minimumOrder()).isNull();
        assertThat(o.minMarginPercent()).isEqualTo(30);
    }
}
