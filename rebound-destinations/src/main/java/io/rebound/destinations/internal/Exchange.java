package io.rebound.destinations.internal;

import io.rebound.destinations.Mode;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Response;
import io.rebound.destinations.Transport;
import io.rebound.destinations.WireRequest;

import java.time.Clock;
import java.util.Objects;

/**
 * The one place a built request goes: it is recorded (redacted) in both modes, and sent only in
 * {@link Mode#LIVE}. Because every destination calls this with its builder's output, dry-run records
 * exactly what live sends.
 */
public final class Exchange {

    private final Mode mode;
    private final Transport transport;
    private final RequestLog log;
    private final Clock clock;

    public Exchange(Mode mode, Transport transport, RequestLog log, Clock clock) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.transport = mode == Mode.LIVE ? Objects.requireNonNull(transport, "transport") : transport;
        this.log = Objects.requireNonNull(log, "log");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Response execute(WireRequest request) {
        log.add(new RecordedRequest(clock.instant(), mode, request.redacted()));
        return mode == Mode.LIVE ? transport.send(request) : new Response.NotSent();
    }

    public Mode mode() {
        return mode;
    }

    public RequestLog log() {
        return log;
    }

    public Clock clock() {
        return clock;
    }
}
