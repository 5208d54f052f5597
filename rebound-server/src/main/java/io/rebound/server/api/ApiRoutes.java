package io.rebound.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.event.Violation;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How every admin-API route runs: on a worker thread (handlers read the database), unordered, with
 * one mapping of what a handler throws — a {@link BadRequest} is a 400 naming its field, an exception
 * the API's own {@link Refusals} recognise gets the answer it gives, anything else goes to
 * {@link ApiErrors#exception} — and a body over the route's limit a 413 saying the limit.
 */
public final class ApiRoutes {
    private ApiRoutes() {
    }

    /** An API's own refusals: answers {@code e} and returns true when it is one of them. */
    @FunctionalInterface
    public interface Refusals {
        Refusals NONE = (ctx, e) -> false;

        boolean answer(RoutingContext ctx, RuntimeException e);

        /** A definition API's refusal: a {@code type} is a 400 {@code error} listing its {@code violations}. */
        static <E extends RuntimeException> Refusals violations(Class<E> type, String error,
                                                                Function<E, List<Violation>> violations) {
            return (ctx, e) -> {
                if (type.isInstance(e)) {
                    ApiErrors.violations(ctx, 400, error, violations.apply(type.cast(e)));
                    return true;
                }
                return false;
            };
        }
    }

    /** As {@link #blocking(Route, Handler, String, Refusals)} for an API without refusals of its own. */
    public static void blocking(Route route, Handler<RoutingContext> handler, String bodyLimit) {
        blocking(route, handler, bodyLimit, Refusals.NONE);
    }

    /** Runs {@code handler} for {@code route} as described above; {@code bodyLimit} is said in a 413 ("64 KB"). */
    public static void blocking(Route route, Handler<RoutingContext> handler, String bodyLimit, Refusals refusals) {
        route.blockingHandler(ctx -> {
            try {
                handler.handle(ctx);
            } catch (BadRequest e) {
                ApiErrors.send(ctx, 400, e.error(), e.getMessage(), e.field());
            } catch (RuntimeException e) {
                if (!refusals.answer(ctx, e)) {
                    ApiErrors.exception(ctx, e);
                }
            }
        }, false).failureHandler(ctx -> ApiErrors.failure(ctx, bodyLimit));
    }

    /**
     * One API's routes: each runs as {@link #blocking(Route, Handler, String, Refusals)} describes, with the
     * API's {@code refusals}; one that reads a body ({@link #withBody}) reads at most {@code maxBodyBytes},
     * the limit a 413 names ("64 KB").
     *
     * @param maxBodyBytes the largest body a route of the API reads
     * @param refusals     the API's own refusals
     */
    public record Mount(int maxBodyBytes, Refusals refusals) {
        /** An API without refusals of its own. */
        public Mount(int maxBodyBytes) {
            this(maxBodyBytes, Refusals.NONE);
        }

        /** Runs {@code handler} for {@code route}, which reads no body. */
        public void worker(Route route, Handler<RoutingContext> handler) {
            blocking(route, handler, size(maxBodyBytes), refusals);
        }

        /** Runs {@code handler} for {@code route} once its body is read (at most {@code maxBodyBytes}). */
        public void withBody(Route route, Handler<RoutingContext> handler) {
            worker(route.handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)), handler);
        }
    }

    /** {@code bytes} as a 413 says it: "8 MB", "64 KB", "100 bytes". */
    static String size(int bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MB";
        }
        return bytes % 1024 == 0 ? bytes / 1024 + " KB" : bytes + " bytes";
    }

    /**
     * {@code handler} with what {@code find} finds for the request (the path's segment, campaign, destination…);
     * when it finds nothing, {@code find} has answered (401, 404) and the handler does not run.
     */
    public static <T> Handler<RoutingContext> found(Function<RoutingContext, Optional<T>> find,
                                                    BiConsumer<RoutingContext, T> handler) {
        return ctx -> find.apply(ctx).ifPresent(found -> handler.accept(ctx, found));
    }

    /**
     * The request's body as a JSON object read with {@link Json#STRICT_READER}, or a {@link BadRequest} on
     * field {@code body} ({@code example} says what to send) — or on the number's own field when a number
     * is out of range.
     */
    public static JsonNode jsonObject(RoutingContext ctx, String example) {
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (body.length == 0) {
            throw new BadRequest("body", "send " + example);
        }
        try {
            JsonNode node = Json.readUntrusted(Json.STRICT_READER, body);
            if (node == null || !node.isObject()) {
                throw new BadRequest("body", "send " + example);
            }
            return node;
        } catch (InvalidNumberException e) {
            throw new BadRequest(e.field(), e.getMessage());
        } catch (JacksonException e) {
            throw new BadRequest("body", "the body is not a JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("body", "the body could not be read");
        }
    }

    /**
     * The request's body as a JSON object read into maps and lists ({@link Json#readUntrustedObject}), or a
     * {@link BadRequest} on field {@code body} ({@code example} says what to send); a number out of range is
     * reported through {@code numberProblem} (field, message), so a definition API can say it its own way.
     */
    public static java.util.Map<String, Object> jsonMap(RoutingContext ctx, String example,
                                                        java.util.function.BiFunction<String, String, RuntimeException> numberProblem) {
        java.util.Map<String, Object> json;
        try {
            byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
            if (body.length == 0) {
                throw new BadRequest("body", "send " + example);
            }
            json = Json.readUntrustedObject(body);
        } catch (InvalidNumberException e) {
            throw numberProblem.apply(e.field(), e.getMessage());
        } catch (JacksonException e) {
            throw new BadRequest("body", "the body is not a JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("body", "the body could not be read");
        }
        if (json == null) {
            throw new BadRequest("body", "send a JSON object");
        }
        return json;
    }
}
