package io.rebound.server.activation;

import io.rebound.core.Require;
import io.rebound.destinations.Destination;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.Reconciler;
import io.rebound.destinations.delivery.SegmentMembers;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.delivery.Withholding;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * The seam between the server and the delivery engine: builds a destination's {@link SyncWorker}
 * over the audiences port's change log and persons, and this server's pairing store, with a
 * {@link Reconciler} that reconciles each pairing in full every {@code reconcileInterval};
 * {@link Activation} builds one for each destination it runs.
 *
 * @param audiences         the audiences port (embedded or cluster)
 * @param deliveries        pairings, cursors, dead letters and reconciliations
 * @param backoff           retry backoff
 * @param clock             the server's clock
 * @param batchSize         changes read per batch
 * @param reconcileInterval how often each pairing is reconciled in full
 * @param withholding       per destination id, the persons its sync withholds (the campaigns' holdouts,
 *                          {@code io.rebound.server.campaign.CampaignHoldouts}); the worker, its
 *                          reconciler, a new audience's seed and a dead letter's retry all apply it
 */
public record ListSync(Audiences audiences, JdbcDeliveryRepository deliveries, Backoff backoff, Clock clock, int batchSize,
                       Duration reconcileInterval, Function<String, Withholding> withholding) {

    public ListSync {
        Require.nonNull("audiences", audiences, "deliveries", deliveries, "backoff", backoff, "clock", clock,
                "reconcileInterval", reconcileInterval, "withholding", withholding);
    }

    /** Withholding nobody. */
    public ListSync(Audiences audiences, JdbcDeliveryRepository deliveries, Backoff backoff, Clock clock, int batchSize,
                    Duration reconcileInterval) {
        this(audiences, deliveries, backoff, clock, batchSize, reconcileInterval, id -> Withholding.NONE);
    }

    /** With the default reconciliation interval ({@link Reconciler#DEFAULT_INTERVAL}). */
    public ListSync(Audiences audiences, JdbcDeliveryRepository deliveries, Backoff backoff, Clock clock, int batchSize) {
        this(audiences, deliveries, backoff, clock, batchSize, Reconciler.DEFAULT_INTERVAL);
    }

    /** The same, reconciling every {@code interval} (tests use a short one). */
    public ListSync withReconcileInterval(Duration interval) {
        return new ListSync(audiences, deliveries, backoff, clock, batchSize, interval, withholding);
    }

    /** The same, withholding from each destination what {@code withholding} names for its id. */
    public ListSync withWithholding(Function<String, Withholding> withholding) {
        return new ListSync(audiences, deliveries, backoff, clock, batchSize, reconcileInterval, withholding);
    }

    public SyncWorker worker(String destinationId, Destination destination) {
        AudiencesMemberSource members = new AudiencesMemberSource(audiences);
        Withholding withheld = withholding.apply(destinationId);
        return new SyncWorker(destinationId, destination, new AudiencesChangeFeed(audiences), members, deliveries, backoff,
                clock, batchSize).withReconciler(reconciler(destination, members, withheld)).withWithholding(withheld);
    }

    /** The full reconciliation of {@code destination}'s pairings over the segments' current members. */
    public Reconciler reconciler(String destinationId, Destination destination) {
        return reconciler(destination, new AudiencesMemberSource(audiences), withholding.apply(destinationId));
    }

    private Reconciler reconciler(Destination destination, AudiencesMemberSource members, Withholding withheld) {
        SegmentMembers segments = (storeId, segmentId, after, limit) -> audiences.reader()
                .members(storeId, segmentId, after, limit).stream().map(AudienceReader.Member::personId).toList();
        return new Reconciler(destination, segments, members, deliveries, reconcileInterval, clock).withWithholding(withheld);
    }

    /** A worker that also sends a membership event per join ({@link AudiencesMembershipEvents}). */
    public SyncWorker workerWithMembershipEvents(String destinationId, Destination destination) {
        return worker(destinationId, destination).withMembershipEvents(new AudiencesMembershipEvents(audiences));
    }
}
