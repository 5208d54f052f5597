package io.rebound.core.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ad platforms' own browser ids and click ids an event may carry ({@link Event#clickIds()}):
 * what the platforms' conversions APIs take to recognise an anonymous visitor. Only the keys below
 * exist, so the map is bounded (at most {@link #KEYS}{@code .size()} entries), and each value is
 * 1–{@value #MAX_LENGTH} characters of a URL-safe set (letters, digits and {@code . _ - ~ = + /}),
 * which every platform's documented format fits. A few keys have a stricter form, checked here once
 * for every runtime: {@code fbc} and {@code fbp} start with {@code fb.} (Meta's
 * {@code fb.{subdomain index}.{ms}.{value}}), {@code fbclid_at} is epoch milliseconds, and
 * {@code ga_client_id} is the two numbers that end a {@code _ga} cookie ({@code 123.456}).
 *
 * <p>{@link #violations} names the offending key under the path the caller gives (the collector's
 * {@code context.clickIds}); {@link #readable} keeps only the valid entries of a map read from
 * stored records, which older releases wrote under looser rules.
 */
public final class ClickIds {

    /** Meta browser id, the {@code _fbp} cookie. */
    public static final String FBP = "fbp";
    /** Meta click id as its {@code _fbc} cookie holds it: {@code fb.1.{ms}.{fbclid}}. */
    public static final String FBC = "fbc";
    /** Meta click id from the landing URL. */
    public static final String FBCLID = "fbclid";
    /** When the landing with {@code fbclid} happened, epoch milliseconds as a string. */
    public static final String FBCLID_AT = "fbclid_at";
    /** TikTok browser id, the {@code _ttp} cookie. */
    public static final String TTP = "ttp";
    /** TikTok click id from the landing URL. */
    public static final String TTCLID = "ttclid";
    /** Pinterest click id, the {@code _epik} cookie or {@code epik} parameter. */
    public static final String EPIK = "epik";
    /** Google Ads click id. */
    public static final String GCLID = "gclid";
    /** Google Ads click id for app-to-web (iOS) measurement. */
    public static final String GBRAID = "gbraid";
    /** Google Ads click id for web-to-app (iOS) measurement. */
    public static final String WBRAID = "wbraid";
    /** Google Analytics client id: the {@code _ga} cookie without its {@code GA1.1.} prefix. */
    public static final String GA_CLIENT_ID = "ga_client_id";
    /** Microsoft Advertising click id. */
    public static final String MSCLKID = "msclkid";

    /** Every key an event may carry, in the order they are written. */
    public static final List<String> KEYS = List.of(FBP, FBC, FBCLID, FBCLID_AT, TTP, TTCLID, EPIK, GCLID, GBRAID,
            WBRAID, GA_CLIENT_ID, MSCLKID);
    /** The keys that arrive as landing-page URL parameters. */
    public static final Set<String> URL_PARAMETERS = Set.of(FBCLID, GCLID, GBRAID, WBRAID, TTCLID, EPIK, MSCLKID);
    /** The longest value kept; the platforms' ids are far shorter (a gclid is about 100 characters). */
    public static final int MAX_LENGTH = 500;

    private static final Set<String> KEY_SET = Set.copyOf(KEYS);

    private ClickIds() {
    }

    /** Whether {@code key} is one of {@link #KEYS}. */
    public static boolean isKey(String key) {
        return KEY_SET.contains(key);
    }

    /** What is wrong with {@code value} under {@code key}, phrased for the sender, or null when it may be kept. */
    public static String problem(String key, String value) {
        if (!isKey(key)) {
            return "is not a click id Rebound keeps; expected one of " + String.join(", ", KEYS);
        }
        if (value == null || value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters, got " + value.length();
        }
        for (int i = 0; i < value.length(); i++) {
            if (!allowed(value.charAt(i))) {
                return "may contain only letters, digits and . _ - ~ = + / (got a character at index " + i + ")";
            }
        }
        return switch (key) {
            case FBC, FBP -> value.startsWith("fb.") ? null
                    : "must be Meta's cookie format fb.{subdomain index}.{ms}.{value}, e.g. fb.1.1700000000000."
                    + (key.equals(FBC) ? "IwAR…" : "123456789");
            case FBCLID_AT -> digits(value, 0, value.length()) && value.length() <= 15 ? null
                    : "must be epoch milliseconds (digits only)";
            case GA_CLIENT_ID -> isGaClientId(value) ? null
                    : "must be the client id of a _ga cookie, two numbers joined by a dot such as 123456789.1700000000";
            default -> null;
        };
    }

    /** Each key of {@code ids} that may not be kept, named {@code path.key}; empty when all may be. */
    public static List<Violation> violations(Map<String, String> ids, String path) {
        List<Violation> out = null;
        for (Map.Entry<String, String> e : ids.entrySet()) {
            String problem = problem(e.getKey(), e.getValue());
            if (problem != null) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(new Violation(path + "." + e.getKey(), problem));
            }
        }
        return out == null ? List.of() : out;
    }

    /** {@code ids} itself when every entry may be kept, else a copy without the others; null stays null. */
    public static Map<String, String> readable(Map<String, String> ids) {
        if (ids == null || ids.isEmpty()) {
            return ids;
        }
        boolean allValid = true;
        for (Map.Entry<String, String> e : ids.entrySet()) {
            if (problem(e.getKey(), e.getValue()) != null) {
                allValid = false;
                break;
            }
        }
        if (allValid) {
            return ids;
        }
        Map<String, String> kept = new LinkedHashMap<>();
        ids.forEach((k, v) -> {
            if (problem(k, v) == null) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-' || c == '~' || c == '=' || c == '+' || c == '/';
    }

    private static boolean isGaClientId(String v) {
        int dot = v.indexOf('.');
        return dot > 0 && dot < v.length() - 1 && v.indexOf('.', dot + 1) < 0 && v.length() <= 40
                && digits(v, 0, dot) && digits(v, dot + 1, v.length());
    }

    private static boolean digits(String v, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
