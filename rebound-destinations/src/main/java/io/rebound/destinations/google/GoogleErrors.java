package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;
import io.rebound.destinations.internal.Errors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's answers classified. Errors are {@code google.rpc.Status}: {@code {"error": {"code",
 * "message", "status", "details": [ErrorInfo {reason}, BadRequest {fieldViolations [{field,
 * description, reason}]}]}}}.
 * <ul>
 *   <li>retry: HTTP 429 / {@code RESOURCE_EXHAUSTED} (300 requests a minute, 100,000 a day per
 *       project) after {@code Retry-After} or a minute; 5xx / {@code UNAVAILABLE},
 *       {@code INTERNAL}, {@code DEADLINE_EXCEEDED};</li>
 *   <li>give up: {@code INVALID_ARGUMENT}, {@code PERMISSION_DENIED}, {@code NOT_FOUND},
 *       {@code UNAUTHENTICATED} and every other 4xx, with the rows named by the field violations
 *       ({@code audience_members[3]…}, {@code events[0]…}). Google rejects such a request whole, so
 *       the other rows can be resent without the named ones.</li>
 * </ul>
 * Google ingests asynchronously: a 200 carries only a {@code requestId}.
 */
public final class GoogleErrors {

    private static final Set<String> RETRY_STATUS = Set.of("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED",
            "ABORTED");
    private static final Pattern ROW = Pattern.compile("(?:audience_?[mM]embers|events)\\[(\\d+)]");

    private GoogleErrors() {
    }

    /**
     * Classifies an answer.
     *
     * @param inputOfRow maps a row index of the request to the caller's input index
     */
    public static Outcome classify(Response response, IntFunction<Integer> inputOfRow) {
        return Errors.classify(response, (r, body) -> {
            if (r.status() >= 200 && r.status() < 300) {
                return new Outcome.Accepted("requestId=" + body.path("requestId").asText(""));
            }
            JsonNode error = body.path("error");
            String status = error.path("status").asText("");
            String message = error.path("message").asText(Errors.excerpt(r.bodyText()));
            if (r.status() == 429 || RETRY_STATUS.contains(status) || r.status() >= 500) {
                boolean throttled = r.status() == 429 || status.equals("RESOURCE_EXHAUSTED");
                return new Outcome.Retry(Errors.retryAfter(r, throttled ? Errors.THROTTLE_DELAY : Errors.TRANSIENT_DELAY),
                        "Google " + (status.isEmpty() ? "HTTP " + r.status() : status) + ": " + message);
            }
            List<Integer> rows = new ArrayList<>();
            String reason = null;
            for (JsonNode detail : error.path("details")) {
                if (reason == null && detail.has("reason")) {
                    reason = detail.path("reason").asText();
                }
                for (JsonNode v : detail.path("fieldViolations")) {
                    Matcher m = ROW.matcher(v.path("field").asText(""));
                    if (m.find()) {
                        Integer input = inputOfRow.apply(Integer.parseInt(m.group(1)));
                        if (input != null && !rows.contains(input)) {
                            rows.add(input);
                        }
                    }
                    if (reason == null && v.has("reason")) {
                        reason = v.path("reason").asText();
                    }
                }
            }
            String code = status.isEmpty() ? "HTTP " + r.status() : status + (reason == null ? "" : "/" + reason);
            return new Outcome.GiveUp(code, message, rows);
        });
    }

    /**
     * A GA4 Measurement Protocol answer. {@code /mp/collect} answers 2xx to every request it received, valid
     * or not (GA4 drops what it cannot use silently; the validation server is the way to see why), so a 2xx is
     * accepted; the validation server's 2xx with {@code validationMessages} is a give-up naming the first
     * message. 429 and 5xx are retried, other statuses given up.
     */
    public static Outcome classifyGa4(Response response) {
        return Errors.classify(response, (r, body) -> {
            if (r.status() >= 200 && r.status() < 300) {
                JsonNode messages = body.path("validationMessages");
                if (messages.isArray() && !messages.isEmpty()) {
                    JsonNode first = messages.get(0);
                    return new Outcome.GiveUp("GA4 " + first.path("validationCode").asText("VALUE_INVALID"),
                            first.path("description").asText("invalid") + " (" + first.path("fieldPath").asText("") + ")"
                                    + (messages.size() > 1 ? " and " + (messages.size() - 1) + " more" : ""), List.of());
                }
                return new Outcome.Accepted("GA4 HTTP " + r.status());
            }
            return Errors.byStatus(r, null, "GA4 Measurement Protocol: " + Errors.excerpt(r.bodyText()));
        });
    }

    /** A token that could not be had: revoked or wrong credentials are given up, anything else retried. */
    public static Outcome tokenFailure(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("invalid_grant") || m.contains("invalid_client") || m.contains("unauthorized_client")
                || m.contains("invalid_scope")) {
            return new Outcome.GiveUp("oauth", "Google refused the credentials: " + Errors.excerpt(m), List.of());
        }
        return new Outcome.Retry(Errors.TRANSIENT_DELAY, "no access token: " + Errors.excerpt(m));
    }
}
