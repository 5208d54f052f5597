package io.rebound.server.audience;

/** RocksDB failed under the audience runtime: the unit of work is discarded and retried, never skipped. */
public final class StateStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateStorageException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
