package io.rebound.server.runtime;

/**
 * A consumer failed to process one log record (the failure is already counted against it in
 * {@link DeadLetters.Attempts} and logged); its unit of work is dropped and retried after a pause.
 */
public final class RecordFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordFailedException(long position, Throwable cause) {
        super("the record at log position " + position + " failed: " + cause, cause);
    }
}
