package io.rebound.core.event;

/**
 * One thing wrong with an input, phrased for the developer who sent it.
 *
 * @param field   JSON path of the offending field, e.g. {@code properties.value}
 * @param message what was expected, e.g. {@code must be a number}
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
