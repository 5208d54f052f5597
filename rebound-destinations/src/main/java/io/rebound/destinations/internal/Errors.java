package io.rebound.destinations.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.Response;

import java.time.Duration;
import java.util.List;

/** Classification shared by every platform: transport failures, HTTP status fallbacks, Retry-After. */
public final class Errors {

    /** Wait before retrying a throttled request when the platform says nothing more precise. */
    public static final Duration THROTTLE_DELAY = Duration.ofSeconds(60);
    /** Wait before retrying after a 5xx, a timeout or a refused connection. */
    public static final Duration TRANSIENT_DELAY = Duration.ofSeconds(10);

    private Errors() {
    }

    /** Reads an HTTP answer: the response and its body parsed as JSON (a missing node when it is not JSON). */
    @FunctionalInterface
    public interface HttpReader {
        Outcome read(Response.Http response, JsonNode body);
    }

    /** Classifies an answer: recorded in dry-run, a transport failure by {@link #failed}, an HTTP answer by {@code http}. */
    public static Outcome classify(Response response, HttpReader http) {
        if (response instanceof Response.NotSent) {
            return new Outcome.Recorded();
        }
        if (response instanceof Response.Failed f) {
            return failed(f);
        }
        Response.Http r = (Response.Http) response;
        return http.read(r, Json.parse(r.body()));
    }

    /** A transport failure: always retried (a timed-out request may have been applied; platforms dedupe or tolerate a resend). */
    public static Outcome failed(Response.Failed f) {
        return new Outcome.Retry(TRANSIENT_DELAY, (f.timeout() ? "timeout: " : "connection failed: ") + f.reason());
    }

    /** The {@code Retry-After} header in seconds (the HTTP-date form is not used by these platforms), or {@code fallback}. */
    public static Duration retryAfter(Response.Http r, Duration fallback) {
        String v = r.header("Retry-After");
        if (v != null && v.strip().matches("[0-9]{1,6}")) {
            return Duration.ofSeconds(Long.parseLong(v.strip()));
        }
        return fallback;
    }

    /** The classification of a status code alone, for answers whose body names no known error. */
    public static Outcome byStatus(Response.Http r, String code, String message) {
        int s = r.status();
        if (s == 429) {
            return new Outcome.Retry(retryAfter(r, THROTTLE_DELAY), "throttled (HTTP 429): " + message);
        }
        if (s >= 500 || s == 408) {
            return new Outcome.Retry(retryAfter(r, TRANSIENT_DELAY), "HTTP " + s + ": " + message);
        }
        return new Outcome.GiveUp(code == null ? "HTTP " + s : code, message, List.of());
    }

    /** A short excerpt of a body for messages that must not grow without bound. */
    public static String excerpt(String body) {
        String b = body == null ? "" : body.strip();
        return b.length() <= 300 ? b : b.substring(0, 300) + "…";
    }
}
