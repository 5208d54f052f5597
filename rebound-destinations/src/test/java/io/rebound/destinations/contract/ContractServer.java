package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local stand-in for one ad platform, for tests: it checks every request against the platform's
 * documented format (path, method, credentials, field names and types, hashing, batch and byte
 * limits), keeps the state a real platform would (its audiences' members, the events it took), and
 * answers as the platform does — including its error bodies — or with an injected {@link Fault}.
 * Requests that break the format are answered with the platform's error and listed in
 * {@link #violations()}, which a test expects empty. Binds 127.0.0.1 on a free port.
 */
public abstract class ContractServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<Received> received = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();

    private int outage;
    private int refusedInOutage;

    protected ContractServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind a loopback port", e);
        }
    }

    /** Starts serving; each subclass calls it last in its constructor, once its own state is ready. */
    protected final void start() {
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    /** Where to point a destination's base URL. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers the next request with {@code fault} (faults queue up, one per request). */
    public synchronized ContractServer inject(Fault fault) {
        faults.addLast(fault);
        return this;
    }

    /** A long outage: every request from now on is answered with {@code status} (the platform's 5xx body) until {@link #recover()}. */
    public synchronized ContractServer outage(int status) {
        outage = status;
        return this;
    }

    /** Ends an {@link #outage}. */
    public synchronized ContractServer recover() {
        outage = 0;
        return this;
    }

    /** Requests answered with the outage's status. */
    public synchronized int refusedInOutage() {
        return refusedInOutage;
    }

    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** The platform's normal handling of a well-formed request. Throw {@link ContractViolation} for a malformed one. */
    protected abstract Answer handle(Received request);

    /** The platform's answer for a malformed request. */
    protected abstract Answer violation(String message);

    /** The platform's answer for a fault; {@link Fault.Timeout} is handled here. */
    protected abstract Answer fault(Fault fault, Received request);

    private void serve(HttpExchange ex) throws IOException {
        try (ex) {
            Received r = read(ex);
            Fault fault;
            synchronized (this) {
                if (outage != 0) {
                    refusedInOutage++;
                    fault = new Fault.ServerError(outage);
                } else {
                    received.add(r);
                    fault = faults.pollFirst();
                }
            }
            Answer answer;
            if (fault instanceof Fault.Timeout t) {
                sleep(t.hold().toMillis());
                answer = violation("held past the client's timeout");
            } else if (fault != null) {
                answer = fault(fault, r);
            } else {
                try {
                    answer = handle(r);
                } catch (ContractViolation v) {
                    synchronized (this) {
                        violations.add(r.method() + " " + r.path() + ": " + v.getMessage());
                    }
                    answer = violation(v.getMessage());
                }
            }
            write(ex, answer);
        } catch (RuntimeException e) {
            synchronized (this) {
                violations.add("server error: " + e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Received read(HttpExchange ex) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        byte[] body = ex.getRequestBody().readAllBytes();
        URI uri = ex.getRequestURI();
        return new Received(ex.getRequestMethod(), uri.getPath(), Received.parseQuery(uri.getRawQuery()), headers, body);
    }

    private static void write(HttpExchange ex, Answer a) throws IOException {
        byte[] bytes = a.bytes();
        ex.getResponseHeaders().set("Content-Type", "application/json");
        a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        } catch (IOException ignored) {
            // the client gave up (timeout fault): nothing to tell it
        }
    }

    /** Content type must be JSON. */
    protected static void requireJson(Received r) {
        String ct = r.header("content-type");
        Checks.require(ct != null && ct.startsWith("application/json"), "Content-Type must be application/json, got " + ct);
    }

    protected static JsonNode jsonBody(Received r) {
        try {
            return r.json();
        } catch (RuntimeException e) {
            throw new ContractViolation("body is not JSON: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
