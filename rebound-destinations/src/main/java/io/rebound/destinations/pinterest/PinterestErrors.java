package io.rebound.destinations.pinterest;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;
import io.rebound.destinations.internal.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Pinterest's answers classified. Errors are {@code {"code": n, "message": "…"}}.
 * <ul>
 *   <li>events: 200 with every event {@code processed} is accepted; <b>422</b> means some events
 *       failed — {@code {num_events_received, num_events_processed, events: [{status: processed |
 *       failed, error_message, warning_message}]}} in request order — and is partial, naming them;</li>
 *   <li>retry: 429 (5,000 calls a minute per ad account for events) after {@code Retry-After}, 5xx;</li>
 *   <li>give up: 400, 401 (token), 403 (permission), 404 (no such list or account) and other 4xx,
 *       with Pinterest's message.</li>
 * </ul>
 */
public final class PinterestErrors {

    private PinterestErrors() {
    }

    public static Outcome classify(Response response, Function<JsonNode, Outcome> success) {
        return Errors.classify(response, (r, body) -> {
            if (r.status() >= 200 && r.status() < 300 || r.status() == 422 && body.has("events")) {
                return success.apply(body);
            }
            String code = body.has("code") ? String.valueOf(body.path("code").asInt()) : null;
            String message = body.path("message").asText(Errors.excerpt(r.bodyText()));
            return Errors.byStatus(r, code == null ? null : "HTTP " + r.status() + "/" + code, message);
        });
    }

    /** Reads an events answer; {@code inputOfRow} maps the request's event index to the caller's input index. */
    public static Outcome events(JsonNode body, IntFunction<Integer> inputOfRow) {
        List<Outcome.RowFailure> failed = new ArrayList<>();
        JsonNode events = body.path("events");
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if ("failed".equals(e.path("status").asText())) {
                Integer input = inputOfRow.apply(i);
                if (input != null) {
                    failed.add(new Outcome.RowFailure(input, e.path("error_message").asText("failed")));
                }
            }
        }
        String detail = "num_events_received=" + body.path("num_events_received").asLong()
                + ", num_events_processed=" + body.path("num_events_processed").asLong();
        return failed.isEmpty() ? new Outcome.Accepted(detail) : new Outcome.Partial(failed, detail);
    }
}
