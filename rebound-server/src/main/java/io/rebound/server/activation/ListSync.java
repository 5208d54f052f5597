package io.rebound.server.activation;

import io.rebound.destinations.Destination;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.server.audience.Audiences;

import java.time.Clock;
import java.util.Objects;

/**
 * The seam between the server and the delivery engine: builds a destination's {@link SyncWorker}
 * over the audiences port's change log and persons, and this server's pairing store;
 * {@link Activation} builds one for each destination it runs.
 *
 * @param audiences the audiences port (embedded or cluster)
 * @param store     pairings, cursors and dead letters
 * @param backoff   retry backoff
 * @param clock     the server's clock
 * @param batchSize changes read per batch
 */
public record ListSync(Audiences audiences, JdbcDeliveryStore store, Backoff backoff, Clock clock, int batchSize) {

    public ListSync {
        Objects.requireNonNull(audiences, "audiences");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(clock, "clock");
    }

    public SyncWorker worker(String destinationId, Destination destination) {
        return new SyncWorker(destinationId, destination, new AudiencesChangeFeed(audiences),
                new AudiencesMemberSource(audiences), store, backoff, clock, batchSize);
    }

    /** A worker that also sends a membership event per join ({@link AudiencesMembershipEvents}). */
    public SyncWorker workerWithMembershipEvents(String destinationId, Destination destination) {
        return worker(destinationId, destination).withMembershipEvents(new AudiencesMembershipEvents(audiences));
    }
}
