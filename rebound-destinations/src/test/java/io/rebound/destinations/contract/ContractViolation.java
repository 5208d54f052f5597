package io.rebound.destinations.contract;

/** A request that breaks the platform's documented format; the server answers with the platform's error. */
public final class ContractViolation extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ContractViolation(String message) {
        super(message);
    }
}
