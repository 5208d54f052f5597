package io.rebound.server.demo;

import java.time.Instant;
import java.util.Map;

/**
 * One Segment-shaped message the traffic simulator will send.
 *
 * @param canonicalName the canonical event name it should map to (for the summary), e.g. {@code AddToCart}
 * @param timestamp     the (backdated) event time
 * @param body          the message as it goes on the wire
 */
record SimulatedMessage(String canonicalName, Instant timestamp, Map<String, Object> body) {
}
