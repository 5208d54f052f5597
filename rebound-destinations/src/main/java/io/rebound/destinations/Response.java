package io.rebound.destinations;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What came back for one request: an HTTP answer, a transport failure, or nothing (dry-run). */
public sealed interface Response {

    /**
     * An HTTP answer.
     *
     * @param status  status code
     * @param headers headers, names compared case-insensitively
     * @param body    body bytes
     */
    record Http(int status, Map<String, List<String>> headers, byte[] body) implements Response {
        public Http {
            TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((k, v) -> {
                if (k != null) {
                    h.put(k, List.copyOf(v));
                }
            });
            headers = h;
            body = body.clone();
        }

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        public String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * No answer: connection refused or reset, or no answer within the timeout.
     *
     * @param reason  what happened
     * @param timeout whether the request timed out (it may have been applied)
     */
    record Failed(String reason, boolean timeout) implements Response {
    }

    /** Dry-run: the request was recorded and not sent. */
    record NotSent() implements Response {
    }
}
