package io.rebound.server.collect;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Small, allocation-light helpers for the query string of a page URL (UTM tags, click ids). */
final class UrlParams {

    private UrlParams() {
    }

    /** The query parameters of {@code url} whose names are in {@code wanted}, decoded; first occurrence wins. */
    static Map<String, String> pick(String url, Set<String> wanted) {
        Map<String, String> out = new LinkedHashMap<>();
        int q = url == null ? -1 : url.indexOf('?');
        if (q < 0) {
            return out;
        }
        int end = url.indexOf('#', q);
        String query = url.substring(q + 1, end < 0 ? url.length() : end);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (eq > 0 && wanted.contains(name) && !out.containsKey(name)) {
                String value = decode(pair.substring(eq + 1)).strip();
                if (!value.isEmpty()) {
                    out.put(name, value.length() > 500 ? value.substring(0, 500) : value);
                }
            }
        }
        return out;
    }

    /** {@code url} without the query parameters named in {@code drop}. */
    static String without(String url, Set<String> drop) {
        int q = url == null ? -1 : url.indexOf('?');
        if (q < 0) {
            return url;
        }
        int end = url.indexOf('#', q);
        String query = url.substring(q + 1, end < 0 ? url.length() : end);
        StringBuilder kept = new StringBuilder();
        boolean changed = false;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (drop.contains(eq < 0 ? pair : pair.substring(0, eq))) {
                changed = true;
                continue;
            }
            if (!pair.isEmpty()) {
                kept.append(kept.isEmpty() ? "" : "&").append(pair);
            }
        }
        if (!changed) {
            return url;
        }
        return url.substring(0, q) + (kept.isEmpty() ? "" : "?" + kept) + (end < 0 ? "" : url.substring(end));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
