package io.rebound.server.collect;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * A request body that is valid UTF-8 and one JSON object, with the two body-level fields every
 * Segment-style request may carry. Produced by {@link CollectorParser#readBody(byte[])}.
 *
 * @param root      the JSON object
 * @param writeKey  the body's {@code writeKey}, or null (browsers usually send it in Basic auth instead)
 * @param sentAt    the body's {@code sentAt}, or null; used for clock-skew correction of every message
 * @param byteSize  the body's size in bytes
 */
public record ParsedBody(ObjectNode root, String writeKey, Instant sentAt, int byteSize) {
}
