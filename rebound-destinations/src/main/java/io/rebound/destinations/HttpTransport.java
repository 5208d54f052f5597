package io.rebound.destinations;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * {@link Transport} over the JDK {@link HttpClient}, with a bounded connect timeout and a bounded
 * timeout for each whole request, so a platform that stops answering holds a sender for at most that
 * long. One instance can serve many destinations.
 */
public final class HttpTransport implements Transport {

    /** The longest timeout accepted: a destination must not hang its queue for longer. */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(2);

    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");

    private final HttpClient client;
    private final Duration requestTimeout;

    /**
     * @param connectTimeout time to establish a connection
     * @param requestTimeout time for a whole request, from sending to the last byte of the answer
     */
    public HttpTransport(Duration connectTimeout, Duration requestTimeout) {
        this.requestTimeout = bounded(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder().connectTimeout(bounded(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** 5 s to connect, 30 s per request. */
    public static HttpTransport withDefaults() {
        return new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    private static Duration bounded(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(name + " must be positive and at most " + MAX_TIMEOUT + ", got " + d);
        }
        return d;
    }

    @Override
    public Response send(WireRequest request) {
        HttpRequest.Builder b = HttpRequest.newBuilder(request.uri()).timeout(requestTimeout)
                .method(request.method(), request.bodyLength() == 0
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach((k, v) -> {
            if (!RESTRICTED.contains(k.toLowerCase(java.util.Locale.ROOT))) {
                b.header(k, v);
            }
        });
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response.Http(r.statusCode(), r.headers().map(), r.body());
        } catch (HttpTimeoutException e) {
            return new Response.Failed("no answer within " + requestTimeout, true);
        } catch (IOException e) {
            return new Response.Failed(e.getClass().getSimpleName() + ": " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response.Failed("interrupted", false);
        }
    }
}
