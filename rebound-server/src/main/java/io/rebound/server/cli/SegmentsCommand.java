package io.rebound.server.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.json.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code rebound segments}: create, list and inspect a store's segments through the audience API
 * of a running server (store secret key). {@code create} then follows the backfill with a progress
 * bar on stderr until the segment is ready. Exit codes: 0 done, 1 failed (the API refused — its
 * message is shown — or the server is unreachable), 2 bad usage.
 */
@Command(name = "segments", mixinStandardHelpOptions = true,
        description = "Create, list and inspect segments through a running server's API.",
        subcommands = {SegmentsCommand.Create.class, SegmentsCommand.ListSegments.class, SegmentsCommand.Get.class})
public final class SegmentsCommand extends CommandGroup {

    /** Where the API is and whose store; shared by every subcommand. {@code ${X}}: system property X, else env X. */
    static final class ApiOptions {
        @Option(names = "--url", paramLabel = "URL", defaultValue = "${REBOUND_URL}",
                description = "Server base URL, e.g. http://localhost:8080 (env REBOUND_URL).")
        String url;

        @Option(names = "--store", paramLabel = "STORE_ID", defaultValue = "${REBOUND_STORE}",
                description = "The store's id, st_... (env REBOUND_STORE).")
        String store;

        @Option(names = "--secret-key", paramLabel = "KEY", defaultValue = "${REBOUND_SECRET_KEY}",
                description = "The store's secret key, sk_... (env REBOUND_SECRET_KEY).")
        String secretKey;

        /** The missing setting's message, or null when all three are set. */
        String missing() {
            if (blank(url)) {
                return "missing --url (or REBOUND_URL): the server's base URL, e.g. http://localhost:8080";
            }
            if (blank(store)) {
                return "missing --store (or REBOUND_STORE): the store's id, st_...";
            }
            if (blank(secretKey)) {
                return "missing --secret-key (or REBOUND_SECRET_KEY): the store's secret key, sk_...";
            }
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                return "--url must start with http:// or https://, got '" + url + "'";
            }
            return null;
        }

        String segments() {
            String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            return base + "/api/v1/stores/" + URLEncoder.encode(store, StandardCharsets.UTF_8) + "/segments";
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** A failure with its message for the user (the API's own message for a 4xx). */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** The API over java.net.http: one call, JSON in and out, 4xx/5xx and I/O errors as {@link Failure}s. */
    static final class Client {
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final ApiOptions api;

        Client(ApiOptions api) {
            this.api = api;
        }

        JsonNode send(String method, String url, String body) throws Failure {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + api.secretKey)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body))
                    .build();
            HttpResponse<String> response;
            try {
                response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                throw new Failure("cannot reach " + api.url + ": connection refused (is the server running?)");
            } catch (IOException e) {
                throw new Failure("cannot reach " + api.url + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure("interrupted");
            }
            JsonNode json = null;
            try {
                json = response.body().isEmpty() ? null : Json.MAPPER.readTree(response.body());
            } catch (JacksonException e) {
                // not JSON: reported below by status
            }
            int status = response.statusCode();
            if (status >= 400) {
                if (json != null && json.hasNonNull("message")) {
                    String field = json.hasNonNull("field") ? " (field: " + json.get("field").asText() + ")" : "";
                    throw new Failure(json.get("message").asText() + field + " [HTTP " + status + "]");
                }
                throw new Failure("the server answered HTTP " + status + " to " + method + " " + url);
            }
            if (json == null) {
                throw new Failure("the server answered HTTP " + status + " without JSON to " + method + " " + url);
            }
            return json;
        }
    }

    /** A subcommand on the API: validates the options, runs, maps failures to a message and an exit code. */
    abstract static class ApiAction implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                String missing = api.missing();
                if (missing != null) {
                    return error(err, missing, 2);
                }
                return run(new Client(api), spec.commandLine().getOut(), err);
            } catch (Usage e) {
                return error(err, e.getMessage(), 2);
            } catch (Failure e) {
                return error(err, e.getMessage(), 1);
            } finally {
                spec.commandLine().getOut().flush();
                err.flush();
            }
        }

        abstract int run(Client client, PrintWriter out, PrintWriter err) throws Failure, Usage;
    }

    /** Bad usage the option parser cannot see (exit 2). */
    static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a segment from a template or a JSON file, then follow its backfill until it is ready.")
    static final class Create extends ApiAction {
        @Option(names = "--template", paramLabel = "NAME", description = "product_viewers, cart_abandoners, "
                + "past_purchasers, abandoner_reminder or abandoner_offer.")
        String template;

        @Option(names = "--days", paramLabel = "N", description = "The template's window in days (1..540).")
        Integer days;

        @Option(names = "--product-id", paramLabel = "P", description = "Limit the template to one product.")
        String productId;

        @Option(names = "--category", paramLabel = "C", description = "Limit the template to one category.")
        String category;

        @Option(names = "--name", description = "Display name (default: the template's).")
        String name;

        @Option(names = "--file", paramLabel = "segment.json", description = "A segment definition (docs/segments.md).")
        Path file;

        @Option(names = "--no-wait", description = "Return as soon as the segment is created.")
        boolean noWait;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
                description = "Give up waiting for the backfill after this long (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        @Option(names = "--json", description = "Print the segment as JSON instead of text.")
        boolean json;

        /** Poll interval; tests shorten it. */
        Duration pollEvery = Duration.ofMillis(250);

        @Override
        int run(Client client, PrintWriter out, PrintWriter err) throws Failure, Usage {
            JsonNode created = client.send("POST", api.segments(), body());
            JsonNode segment = noWait ? created : follow(client, created.get("id").asText(), created, err);
            print(segment, out, json);
            return 0;
        }

        private String body() throws Usage {
            if ((template == null) == (file == null)) {
                throw new Usage("give exactly one of --template NAME or --file segment.json");
            }
            if (file != null) {
                if (days != null || productId != null || category != null || name != null) {
                    throw new Usage("--days, --product-id, --category and --name go with --template; "
                            + "put them in the file instead");
                }
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new Usage("cannot read " + file + ": " + e.getMessage());
                }
            }
            ObjectNode body = Json.MAPPER.createObjectNode().put("template", template);
            if (days != null) {
                body.put("within_days", days);
            }
            if (productId != null) {
                body.put("product_id", productId);
            }
            if (category != null) {
                body.put("category", category);
            }
            if (name != null) {
                body.put("name", name);
            }
            return body.toString();
        }

        /** Polls the segment until it is ready, redrawing the progress bar on stderr. */
        private JsonNode follow(Client client, String id, JsonNode segment, PrintWriter err) throws Failure {
            String url = api.segments() + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            JsonNode current = segment;
            while (true) {
                err.print("\r" + progressLine(current));
                err.flush();
                if ("ready".equals(current.path("status").asText())) {
                    err.println();
                    return current;
                }
                if (System.nanoTime() > deadline) {
                    err.println();
                    throw new Failure("segment " + id + " is still building after " + timeoutSeconds
                            + " s; follow it with: rebound segments get --id " + id);
                }
                try {
                    Thread.sleep(pollEvery.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Failure("interrupted");
                }
                current = client.send("GET", url, null);
            }
        }
    }

    static final int BAR_WIDTH = 30;

    /** {@code [#########.....]  42.5%  212,500/500,000 persons  ETA 9s}, padded to overwrite a longer line. */
    static String progressLine(JsonNode segment) {
        JsonNode p = segment.path("progress");
        double percent = "ready".equals(segment.path("status").asText()) ? 100.0 : p.path("percent").asDouble(0);
        int filled = (int) Math.round(percent / 100.0 * BAR_WIDTH);
        String eta = p.hasNonNull("eta_seconds") ? formatSeconds(p.get("eta_seconds").asLong()) : "…";
        String line = String.format(Locale.ROOT, "[%s%s] %5.1f%%  %,d/%,d persons  ETA %s",
                "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), percent,
                p.path("persons_done").asLong(), p.path("persons_total").asLong(), eta);
        return String.format("%-80s", line);
    }

    private static String formatSeconds(long s) {
        return s >= 3600 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    /** Id, name, status, size and per-platform readiness — or the API's JSON. */
    static void print(JsonNode s, PrintWriter out, boolean json) {
        if (json) {
            out.println(s.toPrettyString());
            return;
        }
        out.println("Segment " + s.path("id").asText() + "  \"" + s.path("name").asText() + "\"");
        out.println("  status:     " + s.path("status").asText());
        out.println("  size:       " + s.path("size").asLong());
        JsonNode r = s.path("readiness");
        StringBuilder platforms = new StringBuilder();
        for (JsonNode p : r.path("platforms")) {
            if (!platforms.isEmpty()) {
                platforms.append(", ");
            }
            platforms.append(p.path("platform").asText()).append(' ')
                    .append(p.path("ready").asBoolean() ? "ready" : "needs " + p.path("missing").asLong() + " more")
                    .append(" (min ").append(p.path("minimum").asLong()).append(')');
        }
        out.println("  readiness:  " + platforms);
        out.println("  recommended " + r.path("recommended_size").asLong() + " for efficient delivery: "
                + (r.path("meets_recommended").asBoolean() ? "met" : "not yet"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the store's segments.")
    static final class ListSegments extends ApiAction {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        int run(Client client, PrintWriter out, PrintWriter err) throws Failure, Usage {
            JsonNode all = client.send("GET", api.segments(), null);
            if (json) {
                out.println(all.toPrettyString());
            } else if (all.path("segments").isEmpty()) {
                out.println("No segments yet. Create one with: rebound segments create --template cart_abandoners");
            } else {
                String format = "%-19s  %-8s  %10s  %s%n";
                out.printf(format, "ID", "STATUS", "SIZE", "NAME");
                for (JsonNode s : all.path("segments")) {
                    String status = s.path("status").asText();
                    if ("building".equals(status)) {
                        status = String.format(Locale.ROOT, "%.0f%%", s.path("progress").path("percent").asDouble());
                    }
                    out.printf(format, s.path("id").asText(), status, s.path("size").asLong(), s.path("name").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one segment: status, size, readiness.")
    static final class Get extends ApiAction {
        @Option(names = "--id", required = true, paramLabel = "SEGMENT_ID", description = "The segment's id (sg_...).")
        String id;

        @Option(names = "--json", description = "Print the segment as JSON instead of text.")
        boolean json;

        @Override
        int run(Client client, PrintWriter out, PrintWriter err) throws Failure, Usage {
            JsonNode s = client.send("GET", api.segments() + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null);
            print(s, out, json);
            if ("building".equals(s.path("status").asText())) {
                out.println("  building:   " + progressLine(s).strip());
            }
            return 0;
        }
    }

    /** Runs {@code rebound segments ...} on its own (Main normally registers this command). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SegmentsCommand()).execute(args));
    }
}
