/**
 * Activation in the server: the ports of the delivery engine ({@code io.rebound.destinations.delivery})
 * over the server's own state — the membership change log and persons of the {@code Audiences} port,
 * pairings, cursors and dead letters in the metadata database. Not wired into {@code rebound serve} yet:
 * {@link io.rebound.server.activation.ListSync} is the seam the wiring (and the destinations API) will use.
 */
package io.rebound.server.activation;
