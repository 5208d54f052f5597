package io.rebound.server.log;

/**
 * One record read back from the log.
 *
 * @param position     byte position of the record in the log (its offset)
 * @param nextPosition position of the record after it; a consumer commits this
 * @param payload      the bytes appended
 */
public record LogRecord(long position, long nextPosition, byte[] payload) {
}
