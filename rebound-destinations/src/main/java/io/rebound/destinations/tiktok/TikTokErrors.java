package io.rebound.destinations.tiktok;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;
import io.rebound.destinations.internal.Errors;

import java.util.List;
import java.util.function.Function;

/**
 * TikTok's answers classified. Every answer is {@code {"code", "message", "request_id", "data"}} and
 * success is {@code code: 0}, whatever the HTTP status — an error usually comes with HTTP 200.
 * <ul>
 *   <li>retry: code 40100 (requests too frequent), codes 50000–59999 (TikTok system errors), HTTP 429
 *       and 5xx;</li>
 *   <li>give up: every other non-zero code — 40001 (no permission), 40002 (invalid parameter),
 *       40102/40104/40105 (token expired, missing or invalid), and audience-size refusals (an update
 *       that would leave fewer than 1,000 people fails) — with TikTok's message. TikTok fails an
 *       Events API batch whole for one bad row.</li>
 * </ul>
 */
public final class TikTokErrors {

    public static final int RATE_LIMITED = 40100;

    private TikTokErrors() {
    }

    public static Outcome classify(Response response, Function<JsonNode, Outcome> success) {
        return Errors.classify(response, (r, body) -> {
            if (!body.has("code")) {
                return r.status() >= 200 && r.status() < 300
                        ? new Outcome.GiveUp("no-code", "TikTok answered without a code: " + Errors.excerpt(r.bodyText()), List.of())
                        : Errors.byStatus(r, null, Errors.excerpt(r.bodyText()));
            }
            int code = body.path("code").asInt();
            String message = body.path("message").asText("") + " (request_id " + body.path("request_id").asText("?") + ")";
            if (code == 0) {
                return success.apply(body.path("data"));
            }
            if (code == RATE_LIMITED || r.status() == 429) {
                return new Outcome.Retry(Errors.retryAfter(r, Errors.THROTTLE_DELAY), "TikTok " + code + ": " + message);
            }
            if (code >= 50000 && code < 60000 || r.status() >= 500) {
                return new Outcome.Retry(Errors.retryAfter(r, Errors.TRANSIENT_DELAY), "TikTok " + code + ": " + message);
            }
            return new Outcome.GiveUp(String.valueOf(code), message, List.of());
        });
    }
}
