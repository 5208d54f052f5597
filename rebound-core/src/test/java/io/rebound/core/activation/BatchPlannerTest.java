package io.rebound.core.activation;

import io.rebound.core.activation.BatchPlanner.Batch;
import io.rebound.core.activation.BatchPlanner.Framing;
import io.rebound.core.activation.BatchPlanner.Plan;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchPlannerTest {

    @Test
    void metaCustomerListOfTwentyFiveThousandEmailsFitsItsRowAndByteLimits() {
        // One email hash per row: ["<64 hex>"] is 68 bytes, rows joined by commas.
        Plan plan = BatchPlanner.plan(25_000, i -> 68, new Framing(60, 1), PlatformLimits.META.customerList());
        assertThat(plan.oversized()).isEmpty();
        assertThat(plan.batches()).allSatisfy(b -> {
            assertThat(b.size()).isLessThanOrEqualTo(10_000);
            assertThat(b.bytes()).isLessThanOrEqualTo(60_000);
        });
        assertThat(plan.batches().stream().mapToInt(Batch::size).sum()).isEqualTo(25_000);
    }

    @Test
    void rowCountAloneSplitsWhenBytesAreUnbounded() {
        Plan plan = BatchPlanner.plan(25_000, i -> 100, new Framing(10, 1), PlatformLimits.GOOGLE.customerList());
        assertThat(plan.batches()).extracting(Batch::size).containsExactly(10_000, 10_000, 5_000);
    }

    @Test
    void aRowTooLargeForAnyRequestIsReportedAndSplitsTheRangeAroundIt() {
        Plan plan = BatchPlanner.plan(5, i -> i == 2 ? 500 : 10, new Framing(20, 1), new BatchLimits(100, 100));
        assertThat(plan.oversized()).containsExactly(2);
        assertThat(plan.batches()).containsExactly(new Batch(0, 2, 41), new Batch(3, 5, 41));
    }

    @Test
    void noRowsNoBatches() {
        assertThat(BatchPlanner.plan(0, i -> 1, new Framing(0, 0), new BatchLimits(1, 1)).batches()).isEmpty();
    }

    @Property(tries = 1000)
    void batchesCoverEveryRowOnceInOrderWithinLimitsAndAreGreedy(
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 400) Integer> sizes,
            @ForAll @IntRange(min = 0, max = 100) int envelope, @ForAll @IntRange(min = 0, max = 3) int separator,
            @ForAll @IntRange(min = 1, max = 50) int maxRows, @ForAll @IntRange(min = 1, max = 2000) int maxBytes) {
        BatchLimits limits = new BatchLimits(maxRows, maxBytes);
        Plan plan = BatchPlanner.plan(sizes.size(), sizes::get, new Framing(envelope, separator), limits);

        List<Integer> seen = new ArrayList<>();
        int expectedFrom = 0;
        for (Batch b : plan.batches()) {
            while (plan.oversized().contains(expectedFrom)) {
                seen.add(expectedFrom++);
            }
            assertThat(b.from()).isEqualTo(expectedFrom);
            long bytes = envelope + (long) separator * (b.size() - 1);
            for (int i = b.from(); i < b.to(); i++) {
                bytes += sizes.get(i);
                seen.add(i);
            }
            assertThat(b.size()).isBetween(1, maxRows);
            assertThat(b.bytes()).isEqualTo(bytes).isLessThanOrEqualTo(maxBytes);
            if (b.to() < sizes.size() && !plan.oversized().contains(b.to())) {
                boolean rowsFull = b.size() == maxRows;
                boolean bytesFull = b.bytes() + separator + sizes.get(b.to()) > maxBytes;
                assertThat(rowsFull || bytesFull).as("greedy: the next row did not fit").isTrue();
            }
            expectedFrom = b.to();
        }
        while (expectedFrom < sizes.size() && plan.oversized().contains(expectedFrom)) {
            seen.add(expectedFrom++);
        }
        assertThat(seen).hasSize(sizes.size());
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
        for (int i : plan.oversized()) {
            assertThat((long) envelope + sizes.get(i)).isGreaterThan(maxBytes);
        }
    }
}
