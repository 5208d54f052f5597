package io.rebound.server.meta;

/**
 * Input rejected by the metadata layer, naming the offending field with its API name
 * ({@code name}, {@code retention_days}, ...) so that the HTTP layer can answer 400 with it.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** The message without the leading field name. */
    public String problem() {
        return getMessage().substring(field.length() + 2);
    }
}
