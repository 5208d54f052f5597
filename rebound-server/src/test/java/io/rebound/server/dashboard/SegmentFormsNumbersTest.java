package io.rebound.server.dashboard;

import io.rebound.core.event.NumberLimits;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10 for the dashboard's segment JSON form: an extreme number is an inline error on its field. */
class SegmentFormsNumbersTest {

    @Test
    void extremeNumbersInTheSegmentJsonAreInlineErrorsOnTheirField() {
        for (String n : List.of("1e-50000000", "1e999999999", "1e999", "-1e999", "1e99999999999",
                "9".repeat(10_000), "0." + "1".repeat(5_000))) {
            long start = System.nanoTime();
            SegmentForms.Outcome o = SegmentForms.json("{\"name\":\"s\",\"include\":[{\"event\":\"ViewContent\","
                    + "\"within_days\":7,\"where\":{\"product_id\":" + n + ",\"value\":{\"gte\":1}}}]}");
            assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(2_000);
            assertThat(o.ok()).isFalse();
            assertThat(o.errors()).containsOnlyKeys("include[0].where.product_id");
        }
        SegmentForms.Outcome o = SegmentForms.json("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\","
                + "\"within_days\":7,\"sum_value_gte\":1e-50000000}]}");
        assertThat(o.errors()).containsEntry("include[0].sum_value_gte", NumberLimits.OUT_OF_RANGE);
    }

    @Test
    void numbersWithinRangeAreAccepted() {
        assertThat(SegmentForms.json("{\"name\":\"s\",\"include\":[{\"event\":\"Purchase\",\"within_days\":7,"
                + "\"sum_value_gte\":99.5,\"where\":{\"value\":{\"lt\":1e20}}}]}").ok()).isTrue();
    }
}
