package io.rebound.server.dashboard;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.rebound.server.http.Html;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Renders the dashboard's Pebble templates ({@code templates/dashboard/*.peb}, auto-escaped) and
 * ends responses with the headers every dashboard page carries: no caching (pages show keys), no
 * framing, a Content-Security-Policy that allows only the dashboard's own scripts.
 */
final class Views {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final PebbleEngine pebble;

    Views() {
        ClasspathLoader loader = new ClasspathLoader(Views.class.getClassLoader());
        loader.setPrefix("templates/dashboard");
        loader.setSuffix(".peb");
        this.pebble = new PebbleEngine.Builder().loader(loader).autoEscaping(true).strictVariables(false).build();
    }

    /** Renders {@code template} with {@code model} plus the session's user and CSRF token. */
    void page(RoutingContext ctx, int status, String template, Map<String, Object> model) {
        Map<String, Object> context = new HashMap<>(model);
        if (ctx.session() != null) {
            context.putIfAbsent("csrf", ctx.session().get(DashboardAuth.CSRF));
            context.putIfAbsent("userEmail", ctx.session().get(DashboardAuth.EMAIL));
        }
        html(ctx, status, render(template, context));
    }

    /** {@code template} rendered with {@code model} alone. */
    String render(String template, Map<String, Object> model) {
        StringWriter out = new StringWriter();
        try {
            pebble.getTemplate(template).evaluate(out, model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static void html(RoutingContext ctx, int status, String body) {
        if (ctx.response().ended()) {
            return;
        }
        secure(ctx).setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(body);
    }

    static io.vertx.core.http.HttpServerResponse secure(RoutingContext ctx) {
        return ctx.response()
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "same-origin")
                .putHeader("Content-Security-Policy", CSP);
    }

    /** An error page (or, for an htmx request, just the message). */
    void error(RoutingContext ctx, int status, String heading, String message) {
        if ("true".equals(ctx.request().getHeader("HX-Request"))) {
            html(ctx, status, "<p class=\"error\" role=\"alert\">" + Html.escape(message) + "</p>");
            return;
        }
        page(ctx, status, "error", Map.of("title", heading, "heading", heading, "message", message));
    }
}
