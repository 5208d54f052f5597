package io.rebound.server.api;

/**
 * A rejected request: answered 400 with {@code error}, the message and the offending {@code field}
 * ({@link ApiErrors#send}). Thrown by request parsing; cheap (no stack trace).
 */
public final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String error;

    public BadRequest(String field, String error, String message) {
        super(message, null, false, false);
        this.field = field;
        this.error = error;
    }

    /** {@code invalid_field}: the most common problem, one input that is wrong. */
    public BadRequest(String field, String message) {
        this(field, "invalid_field", message);
    }

    public String field() {
        return field;
    }

    public String error() {
        return error;
    }
}
