package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.internal.Json;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as a contract server received it.
 *
 * @param method  HTTP method
 * @param path    decoded path
 * @param query   decoded query parameters (first value of each)
 * @param headers headers, lower-case names
 * @param body    raw body bytes
 */
public record Received(String method, String path, Map<String, String> query, Map<String, List<String>> headers,
                       byte[] body) {

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public JsonNode json() {
        return Json.parseStrict(body);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
