/**
 * Outbound ad platforms behind one {@link io.rebound.destinations.Destination} interface. Each platform
 * package ({@code meta}, {@code google}, {@code tiktok}, {@code pinterest}) holds a pure request builder,
 * an error classifier and the destination that sends the builder's requests over the JDK HttpClient —
 * or, in dry-run mode, records them and sends nothing, so dry-run and live cannot diverge. The rules
 * that decide what may be sent (normalisation, hashing, consent, batch limits) are the core's
 * {@code io.rebound.core.activation}; this module only puts them on the wire.
 */
package io.rebound.destinations;
