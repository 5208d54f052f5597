package io.rebound.destinations.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;
import io.rebound.destinations.internal.Errors;
import io.rebound.destinations.internal.Json;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Meta's answers classified. Errors come as {@code {"error": {"message", "type", "code",
 * "error_subcode", "error_user_msg", "fbtrace_id"}}}, usually with HTTP 400 whatever the cause, so
 * the code decides:
 * <ul>
 *   <li>retry: 1, 2 (temporary), 4, 17, 32, 341, 613, 80003, 80004 (rate limits), 368 (temporarily
 *       blocked) — after {@code Retry-After}, else the longest
 *       {@code estimated_time_to_regain_access} (minutes) in {@code X-Business-Use-Case-Usage}, else
 *       a default;</li>
 *   <li>give up: 100 (invalid parameter; with subcode 1713230 the upload is blocked by Meta's
 *       restrictions on health or financial audiences), 105, 190 (token), 200 and 294 (permission),
 *       2650 (audience update failed), 1487301 (audience not shared with the account), 1487366
 *       (audience deleted);</li>
 *   <li>any other code: by HTTP status (429 and 5xx retried, other 4xx given up).</li>
 * </ul>
 * A {@code /users} answer with {@code num_invalid_entries > 0} is partial: the rows are identified
 * from {@code invalid_entry_samples} (keyed by the value Meta refused) where they can be.
 */
public final class MetaErrors {

    static final Set<Integer> RETRY = Set.of(1, 2, 4, 17, 32, 341, 368, 613, 80003, 80004);
    static final Set<Integer> GIVE_UP = Set.of(100, 105, 190, 200, 294, 2650, 1487301, 1487366);
    static final Set<Integer> THROTTLE = Set.of(4, 17, 32, 341, 613, 80003, 80004);

    private MetaErrors() {
    }

    /** Classifies an answer; {@code success} reads a 2xx body. */
    public static Outcome classify(Response response, Function<JsonNode, Outcome> success) {
        return Errors.classify(response, (r, body) -> {
            JsonNode error = body.path("error");
            if (r.status() >= 200 && r.status() < 300 && error.isMissingNode()) {
                return success.apply(body);
            }
            if (error.isObject() && error.has("code")) {
                int code = error.path("code").asInt();
                int sub = error.path("error_subcode").asInt(0);
                String message = error.path("message").asText("");
                String userMessage = error.path("error_user_msg").asText("");
                String text = userMessage.isEmpty() ? message : message + " — " + userMessage;
                String codeText = sub == 0 ? String.valueOf(code) : code + "/" + sub;
                if (RETRY.contains(code)) {
                    Duration fallback = THROTTLE.contains(code) ? Errors.THROTTLE_DELAY : Errors.TRANSIENT_DELAY;
                    return new Outcome.Retry(Errors.retryAfter(r, usageDelay(r, fallback)), "Meta " + codeText + ": " + text);
                }
                if (GIVE_UP.contains(code)) {
                    return new Outcome.GiveUp(codeText, text, List.of());
                }
                return Errors.byStatus(r, codeText, text);
            }
            return Errors.byStatus(r, null, Errors.excerpt(r.bodyText()));
        });
    }

    /**
     * The longest {@code estimated_time_to_regain_access} (minutes) in the business use-case usage
     * header: {@code {"<business id>": [{"type": …, "call_count": …, "estimated_time_to_regain_access": n}]}}.
     */
    static Duration usageDelay(Response.Http r, Duration fallback) {
        String usage = r.header("X-Business-Use-Case-Usage");
        if (usage == null) {
            return fallback;
        }
        JsonNode n = Json.parse(usage.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long minutes = 0;
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            for (JsonNode entry : it.next()) {
                minutes = Math.max(minutes, entry.path("estimated_time_to_regain_access").asLong(0));
            }
        }
        return minutes > 0 ? Duration.ofMinutes(minutes) : fallback;
    }

    /**
     * Reads a {@code /users} answer: {@code {audience_id, session_id, num_received,
     * num_invalid_entries, invalid_entry_samples: {value: reason}}}. {@code rowOfValue} maps a refused
     * value to the input row that carried it.
     */
    public static Outcome users(JsonNode body, Function<String, Integer> rowOfValue) {
        long received = body.path("num_received").asLong(0);
        long invalid = body.path("num_invalid_entries").asLong(0);
        String detail = "num_received=" + received + ", num_invalid_entries=" + invalid;
        if (invalid == 0) {
            return new Outcome.Accepted(detail);
        }
        List<Outcome.RowFailure> failed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : body.path("invalid_entry_samples").properties()) {
            Integer row = rowOfValue.apply(e.getKey());
            if (row != null && failed.stream().noneMatch(f -> f.row() == row)) {
                failed.add(new Outcome.RowFailure(row, e.getValue().asText("invalid entry")));
            }
        }
        return new Outcome.Partial(failed, detail + (failed.size() < invalid ? " (Meta names only samples)" : ""));
    }
}
