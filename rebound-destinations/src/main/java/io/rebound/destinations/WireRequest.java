package io.rebound.destinations;

import java.net.URI;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request exactly as a platform receives it: method, full URI (API version and query
 * included), headers (authentication included) and body bytes. Builders produce these without I/O;
 * {@link #redacted()} is the form that may be recorded or shown.
 *
 * @param method  HTTP method
 * @param uri     absolute URI
 * @param headers header names and values, in the order set
 * @param body    the body bytes, empty for none
 */
public record WireRequest(String method, URI uri, Map<String, String> headers, byte[] body) {

    /** Header names whose values are credentials. */
    private static final java.util.Set<String> SECRET_HEADERS = java.util.Set.of("authorization", "access-token");
    /** Query parameters whose values are credentials. */
    private static final java.util.Set<String> SECRET_PARAMS = java.util.Set.of("access_token", "api_secret");
    public static final String REDACTED = "[redacted]";

    public WireRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        body = body == null ? new byte[0] : body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body's length in bytes. */
    public int bodyLength() {
        return body.length;
    }

    /** This request with every credential (auth headers, token query parameters) replaced by {@value #REDACTED}. */
    public WireRequest redacted() {
        Map<String, String> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k, SECRET_HEADERS.contains(k.toLowerCase(java.util.Locale.ROOT)) ? REDACTED : v));
        return new WireRequest(method, redactQuery(uri), h, body);
    }

    private static URI redactQuery(URI uri) {
        String q = uri.getRawQuery();
        if (q == null) {
            return uri;
        }
        StringBuilder out = new StringBuilder();
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(SECRET_PARAMS.contains(name) ? name + "=" + REDACTED.replace("[", "%5B").replace("]", "%5D") : pair);
        }
        String s = uri.toString();
        return URI.create(s.substring(0, s.indexOf('?') + 1) + out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireRequest w && method.equals(w.method) && uri.equals(w.uri) && headers.equals(w.headers)
                && Arrays.equals(body, w.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, uri, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return method + " " + redactQuery(uri) + " (" + body.length + " bytes)";
    }
}
