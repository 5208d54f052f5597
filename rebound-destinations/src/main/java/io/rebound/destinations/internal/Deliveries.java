package io.rebound.destinations.internal;

import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.WireRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The delivery loop every destination shares: plan batches of encoded rows within the platform's
 * limits, build each request, send it through the {@link Exchange}, classify the answer, and stop at
 * the first request that must be retried or was given up.
 */
public final class Deliveries {

    private Deliveries() {
    }

    /**
     * A row ready for the wire.
     *
     * @param input   its index in the caller's input list
     * @param encoded its encoding, whose length the planner counts
     * @param value   what the request builder needs to place it
     * @param <T>     the row type
     */
    public record Row<T>(int input, byte[] encoded, T value) {
    }

    /**
     * Plans {@code rows} within {@code limits} and delivers each batch.
     *
     * @param build    builds the request for a batch of rows
     * @param classify classifies an answer for a batch; row indexes in the outcome are input indexes
     */
    public static <T> SyncReport deliver(Exchange exchange, List<Row<T>> rows, List<SyncReport.Skip> skipped,
                                         BatchPlanner.Framing framing, BatchLimits limits,
                                         Function<List<Row<T>>, WireRequest> build,
                                         BiFunction<Response, List<Row<T>>, Outcome> classify) {
        return deliver(rows, skipped, framing, limits, "too large for one request", batch -> {
            Response response = exchange.execute(build.apply(batch));
            return response instanceof Response.NotSent ? new Outcome.Recorded() : classify.apply(response, batch);
        });
    }

    /**
     * Plans {@code rows} within {@code limits} and sends each batch, however many requests that takes.
     *
     * @param oversized the skip reason for a row too large for any batch
     * @param send      sends a batch of rows; the outcome's row indexes are input indexes
     */
    public static <T> SyncReport deliver(List<Row<T>> rows, List<SyncReport.Skip> skipped, BatchPlanner.Framing framing,
                                         BatchLimits limits, String oversized, Function<List<Row<T>>, Outcome> send) {
        return deliverSession(rows, skipped, framing, limits, oversized, (batch, seq, count) -> send.apply(batch));
    }

    /**
     * Sends one batch of a session: the batch's rows, its place ({@code seq}, from 1) and how many
     * batches the session has.
     *
     * @param <T> the row type
     */
    @FunctionalInterface
    public interface SessionSend<T> {
        Outcome send(List<Row<T>> batch, int seq, int count);
    }

    /**
     * As {@link #deliver(List, List, BatchPlanner.Framing, BatchLimits, String, Function)}, telling each
     * send where its batch stands in the whole (a platform's upload session numbers its batches and
     * flags the last).
     */
    public static <T> SyncReport deliverSession(List<Row<T>> rows, List<SyncReport.Skip> skipped,
                                                BatchPlanner.Framing framing, BatchLimits limits, String oversized,
                                                SessionSend<T> send) {
        List<SyncReport.Skip> skips = new ArrayList<>(skipped);
        BatchPlanner.Plan plan = BatchPlanner.plan(rows.size(), i -> rows.get(i).encoded().length, framing, limits);
        for (int i : plan.oversized()) {
            skips.add(new SyncReport.Skip(rows.get(i).input(), oversized));
        }
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        List<Integer> notAttempted = new ArrayList<>();
        boolean stopped = false;
        int seq = 0;
        for (BatchPlanner.Batch b : plan.batches()) {
            List<Row<T>> batch = rows.subList(b.from(), b.to());
            List<Integer> inputs = distinctInputs(batch);
            if (stopped) {
                notAttempted.addAll(inputs);
                continue;
            }
            Outcome outcome = send.send(batch, ++seq, plan.batches().size());
            deliveries.add(new SyncReport.Delivery(inputs, outcome));
            stopped = !outcome.applied();
        }
        return new SyncReport(deliveries, skips, notAttempted.stream().distinct().toList());
    }

    private static <T> List<Integer> distinctInputs(List<Row<T>> batch) {
        return batch.stream().map(Row::input).distinct().toList();
    }
}
