/**
 * The delivery engine for customer-list sync: per destination, a worker reads each paired segment's
 * membership change log after a committed cursor ({@link io.rebound.destinations.delivery.ChangeFeed}),
 * collapses the batch per person, adds and removes through the {@link io.rebound.destinations.Destination},
 * and commits the cursor only once the platform took the batch (or gave up on it, which dead-letters
 * it). It knows no platform: it acts on {@link io.rebound.destinations.Outcome}s only. Its ports
 * (change feed, member lookup, cursor store) are implemented by the server.
 */
package io.rebound.destinations.delivery;
