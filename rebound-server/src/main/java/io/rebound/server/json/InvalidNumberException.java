package io.rebound.server.json;

/**
 * A number in a body from outside was refused while the body was read ({@link Json#readUntrusted}):
 * too long as sent or out of {@link io.rebound.core.event.NumberLimits}' range. Each API answers it
 * with its own 400 naming {@link #field()}. Cheap (no stack trace).
 */
public final class InvalidNumberException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidNumberException(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    /** The number's path from the body's root, e.g. {@code batch[3].properties.value}; {@code body} for a bare number. */
    public String field() {
        return field;
    }
}
