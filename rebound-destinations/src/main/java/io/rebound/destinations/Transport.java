package io.rebound.destinations;

/** Sends one request. Implementations never throw for I/O failures: they answer {@link Response.Failed}. */
@FunctionalInterface
public interface Transport {
    Response send(WireRequest request);
}
