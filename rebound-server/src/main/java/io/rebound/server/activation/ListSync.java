package io.rebound.server.activation;

import io.rebound.destinations.Destination;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.Reconciler;
import io.rebound.destinations.delivery.SegmentMembers;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The seam between the server and the delivery engine: builds a destination's {@link SyncWorker}
 * over the audiences port's change log and persons, and this server's pairing store, with a
 * {@link Reconciler} that reconciles each pairing in full every {@code reconcileInterval};
 * {@link Activation} builds one for each destination it runs.
 *
 * @param audiences         the audiences port (embedded or cluster)
 * @param store             pairings, cursors, dead letters and reconciliations
 * @param backoff           retry backoff
 * @param clock             the server's clock
 * @param batchSize         changes read per batch
 * @param reconcileInterval how often each pairing is reconciled in full
 */
public record ListSync(Audiences audiences, JdbcDeliveryStore store, Backoff backoff, Clock clock, int batchSize,
                       Duration reconcileInterval) {

    public ListSync {
        Objects.requireNonNull(audiences, "audiences");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(reconcileInterval, "reconcileInterval");
    }

    /** With the default reconciliation interval ({@link Reconciler#DEFAULT_INTERVAL}). */
    public ListSync(Audiences audiences, JdbcDeliveryStore store, Backoff backoff, Clock clock, int batchSize) {
        this(audiences, store, backoff, clock, batchSize, Reconciler.DEFAULT_INTERVAL);
    }

    /** The same, reconciling every {@code interval} (tests use a short one). */
    public ListSync withReconcileInterval(Duration interval) {
        return new ListSync(audiences, store, backoff, clock, batchSize, interval);
    }

    public SyncWorker worker(String destinationId, Destination destination) {
        AudiencesMemberSource members = new AudiencesMemberSource(audiences);
        return new SyncWorker(destinationId, destination, new AudiencesChangeFeed(audiences), members, store, backoff,
                clock, batchSize).withReconciler(reconciler(destination, members));
    }

    /** The full reconciliation of {@code destination}'s pairings over the segments' current members. */
    public Reconciler reconciler(Destination destination) {
        return reconciler(destination, new AudiencesMemberSource(audiences));
    }

    private Reconciler reconciler(Destination destination, AudiencesMemberSource members) {
        SegmentMembers segments = (storeId, segmentId, after, limit) -> audiences.reader()
                .members(storeId, segmentId, after, limit).stream().map(AudienceReader.Member::personId).toList();
        return new Reconciler(destination, segments, members, store, reconcileInterval, clock);
    }

    /** A worker that also sends a membership event per join ({@link AudiencesMembershipEvents}). */
    public SyncWorker workerWithMembershipEvents(String destinationId, Destination destination) {
        return worker(destinationId, destination).withMembershipEvents(new AudiencesMembershipEvents(audiences));
    }
}
