package io.rebound.server.dashboard;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A core violation's field is shown beside the form input it is about; the first touch's headline is its own. */
class CampaignFormInputsTest {

    @Test
    void eachViolationFieldLandsOnItsInput() {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("touches[0].creative.headline", "headline"),
                Map.entry("touches[1].creative.headline", "offer_headline"),
                Map.entry("touches[0].creative.products", "products"),
                Map.entry("touches[1].after_hours", "offer_after_hours"),
                Map.entry("touches", "offer_after_hours"),
                Map.entry("touches[1].offer.percent", "offer_percent"),
                Map.entry("touches[1].offer.minimum_order.currency", "offer_currency"),
                Map.entry("touches[1].offer.minimum_order.amount", "offer_minimum"),
                Map.entry("touches[1].offer.expires_hours", "offer_expires_hours"),
                Map.entry("caps.per_person_per_day", "cap"),
                Map.entry("channels.email", "channels"),
                Map.entry("segment_id", "segment_id"),
                Map.entry("something_else", "something_else"));
        expected.forEach((field, input) -> assertThat(CampaignForms.input(field)).as(field).isEqualTo(input));
    }
}
