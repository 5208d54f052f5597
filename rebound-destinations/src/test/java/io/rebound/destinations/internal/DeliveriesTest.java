package io.rebound.destinations.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Response;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.WireRequest;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveriesTest {

    private static ObjectNode body(List<Deliveries.Row<ObjectNode>> batch) {
        ObjectNode b = Json.object();
        b.put("kind", "test");
        var data = b.putArray("data");
        batch.forEach(r -> data.add(r.value()));
        return b;
    }

    private static List<Deliveries.Row<ObjectNode>> rows(int n) {
        List<Deliveries.Row<ObjectNode>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ObjectNode o = Json.object();
            o.put("id", "row-" + i);
            o.put("pad", "x".repeat(i % 37));
            rows.add(new Deliveries.Row<>(i, Json.bytes(o), o));
        }
        return rows;
    }

    @Property(tries = 200)
    void everyBodySentIsExactlyThePlannedSizeAndWithinTheLimit(@ForAll @IntRange(min = 1, max = 300) int n,
                                                               @ForAll @IntRange(min = 120, max = 3000) int maxBytes) {
        List<WireRequest> sent = new ArrayList<>();
        Exchange exchange = new Exchange(Mode.LIVE, r -> {
            sent.add(r);
            return new Response.Http(200, Map.of(), new byte[0]);
        }, new RequestLog(), Clock.systemUTC());
        BatchPlanner.Framing framing = new BatchPlanner.Framing(Json.bytes(body(List.of())).length, 1);
        List<Deliveries.Row<ObjectNode>> rows = rows(n);
        SyncReport report = Deliveries.deliver(exchange, rows, List.of(), framing, new BatchLimits(50, maxBytes),
                batch -> new WireRequest("POST", URI.create("http://x/"), Map.of(), Json.bytes(body(batch))),
                (r, batch) -> new Outcome.Accepted("ok"));

        BatchPlanner.Plan plan = BatchPlanner.plan(n, i -> rows.get(i).encoded().length, framing, new BatchLimits(50, maxBytes));
        assertThat(sent).hasSize(plan.batches().size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat((long) sent.get(i).bodyLength()).isEqualTo(plan.batches().get(i).bytes()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(report.appliedRows().size() + report.skipped().size()).isEqualTo(n);
    }

    @Test
    void theFirstRequestThatMustBeRetriedStopsTheRestWhichAreReportedNotAttempted() {
        List<Deliveries.Row<ObjectNode>> rows = rows(10);
        int[] calls = {0};
        Exchange exchange = new Exchange(Mode.LIVE, r -> new Response.Http(200, Map.of(), new byte[0]), new RequestLog(),
                Clock.systemUTC());
        SyncReport report = Deliveries.deliver(exchange, rows, List.of(), new BatchPlanner.Framing(10, 1),
                new BatchLimits(3, Long.MAX_VALUE),
                batch -> new WireRequest("POST", URI.create("http://x/"), Map.of(), Json.bytes(body(batch))),
                (r, batch) -> ++calls[0] == 2 ? new Outcome.Retry(java.time.Duration.ofSeconds(1), "busy") : new Outcome.Accepted("ok"));
        assertThat(report.deliveries()).hasSize(2);
        assertThat(report.appliedRows()).containsExactly(0, 1, 2);
        assertThat(report.notAttempted()).containsExactly(6, 7, 8, 9);
        assertThat(report.complete()).isFalse();
        assertThat(report.stoppedBy()).isInstanceOf(Outcome.Retry.class);
    }

    @Test
    void aPersonWhoseRowsStraddleAStopIsNotCountedDone() {
        List<Deliveries.Row<ObjectNode>> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ObjectNode o = Json.object();
            o.put("id", i);
            rows.add(new Deliveries.Row<>(i < 3 ? 0 : 1, Json.bytes(o), o));
        }
        int[] calls = {0};
        Exchange exchange = new Exchange(Mode.LIVE, r -> new Response.Http(200, Map.of(), new byte[0]), new RequestLog(),
                Clock.systemUTC());
        SyncReport report = Deliveries.deliver(exchange, rows, List.of(), new BatchPlanner.Framing(10, 1),
                new BatchLimits(2, Long.MAX_VALUE),
                batch -> new WireRequest("POST", URI.create("http://x/"), Map.of(), Json.bytes(body(batch))),
                (r, batch) -> ++calls[0] == 2 ? new Outcome.GiveUp("x", "no", List.of()) : new Outcome.Accepted("ok"));
        assertThat(report.deliveries().get(0).rows()).containsExactly(0);
        assertThat(report.deliveries().get(1).rows()).containsExactly(0, 1);
        assertThat(report.appliedRows()).isEmpty();
    }
}
