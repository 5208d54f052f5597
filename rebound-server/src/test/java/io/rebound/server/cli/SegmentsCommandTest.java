package io.rebound.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code rebound segments} against a real in-process server. */
class SegmentsCommandTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static StoreRepository.Created other;

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
        store = server.stores().create("CLI test", false);
        other = server.stores().create("Other store", false);
        HttpClient http = HttpClient.newHttpClient();
        String basic = "Basic " + Base64.getEncoder().encodeToString((store.store().writeKey() + ":")
                .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                    .header("Content-Type", "application/json").header("Authorization", basic)
                    .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                            + "Chrome/126.0.0.0 Safari/537.36")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"Product Added\",\"messageId\":\"cli-" + i
                            + "\",\"anonymousId\":\"cli-visitor-" + i + "\",\"properties\":{\"product_id\":\"yoga-mat\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        server.audiences().sync();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Run(int exitCode, String out, String err) {
    }

    /** Runs with --url/--store/--secret-key of the test store unless {@code withApi} is false. */
    private static Run run(boolean withApi, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("segments"));
        all.addAll(List.of(args));
        if (withApi) {
            all.addAll(List.of("--url", server.baseUrl(), "--store", store.store().id(), "--secret-key", store.secretKey()));
        }
        int code = cmd.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static Run run(String... args) {
        return run(true, args);
    }

    private static String find(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in:\n" + text).isTrue();
        return m.group();
    }

    @Test
    void createFromATemplateFollowsTheBackfillAndPrintsIdSizeAndReadiness() {
        Run r = run("create", "--template", "cart_abandoners", "--days", "7", "--product-id", "yoga-mat");

        assertThat(r.exitCode()).as(r.err()).isZero();
        String id = find("sg_[0-9A-Za-z]{16}", r.out());
        assertThat(r.out()).contains("status:     ready", "size:       3", "meta needs 97 more (min 100)",
                "tiktok needs 997 more (min 1000)");
        // The progress bar was drawn on stderr and ended complete.
        assertThat(r.err()).contains("\r[").contains("100.0%").contains("persons").contains("ETA");
        assertThat(server.audiences().segment(store.store().id(), id)).get()
                .extracting(SegmentRecord::status).isEqualTo(SegmentRecord.Status.READY);
        assertThat(server.audiences().segment(store.store().id(), id).orElseThrow().definition().include().toString())
                .contains("yoga-mat");
    }

    @Test
    void createFromAFileThenListAndGetIt() throws Exception {
        Path file = Files.writeString(dir.resolve("viewers.json"),
                "{\"name\": \"Cart adders, 3 days\", \"include\": [{\"event\": \"AddToCart\", \"within_days\": 3}]}");
        Run created = run("create", "--file", file.toString(), "--json");
        assertThat(created.exitCode()).as(created.err()).isZero();
        JsonNode json = Json.MAPPER.readTree(created.out());
        String id = json.get("id").asText();
        assertThat(json.get("status").asText()).isEqualTo("ready");
        assertThat(json.get("size").asLong()).isEqualTo(3);

        Run list = run("list");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("ID", "STATUS", "SIZE", id, "Cart adders, 3 days");

        Run get = run("get", "--id", id);
        assertThat(get.exitCode()).as(get.err()).isZero();
        assertThat(get.out()).contains(id, "ready", "size:       3");
    }

    @Test
    void apiRefusalsShowTheServersMessageAndExit1() {
        Run badTemplate = run("create", "--template", "nope");
        assertThat(badTemplate.exitCode()).isEqualTo(1);
        assertThat(badTemplate.err()).contains("error: ").contains("field: template").contains("HTTP 400");

        Run badDays = run("create", "--template", "cart_abandoners", "--days", "999");
        assertThat(badDays.exitCode()).isEqualTo(1);
        assertThat(badDays.err()).contains("field: within_days");

        Run missing = run("get", "--id", "sg_doesnotexist0000");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("HTTP 404");

        // Another store's key on this store: the same 404 as a store that does not exist.
        Run foreign = run(false, "list", "--url", server.baseUrl(), "--store", store.store().id(),
                "--secret-key", other.secretKey());
        assertThat(foreign.exitCode()).isEqualTo(1);
        assertThat(foreign.err()).contains("no store '" + store.store().id() + "'");

        Run unreachable = run(false, "list", "--url", "http://127.0.0.1:1", "--store", "st_x", "--secret-key", "sk_x");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.err()).contains("cannot reach http://127.0.0.1:1");
    }

    @Test
    void badUsageExits2WithAMessage() {
        Run both = run("create", "--template", "cart_abandoners", "--file", "x.json");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("exactly one of --template");

        Run neither = run("create");
        assertThat(neither.exitCode()).isEqualTo(2);

        Run noFile = run("create", "--file", dir.resolve("absent.json").toString());
        assertThat(noFile.exitCode()).isEqualTo(2);
        assertThat(noFile.err()).contains("cannot read");

        Run unknownOption = run("create", "--colour", "red");
        assertThat(unknownOption.exitCode()).isEqualTo(2);

        Run noGetId = run("get");
        assertThat(noGetId.exitCode()).isEqualTo(2);
    }

    @Test
    void settingsFallBackToReboundUrlStoreAndSecretKey() {
        // ${REBOUND_URL} resolves a system property first, then the environment variable.
        Run none = run(false, "list");
        if (System.getenv("REBOUND_URL") == null) {
            assertThat(none.exitCode()).isEqualTo(2);
            assertThat(none.err()).contains("missing --url (or REBOUND_URL)");
        }
        System.setProperty("REBOUND_URL", server.baseUrl());
        System.setProperty("REBOUND_STORE", store.store().id());
        System.setProperty("REBOUND_SECRET_KEY", store.secretKey());
        try {
            Run r = run(false, "list");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).containsAnyOf("ID", "No segments yet");
        } finally {
            System.clearProperty("REBOUND_URL");
            System.clearProperty("REBOUND_STORE");
            System.clearProperty("REBOUND_SECRET_KEY");
        }
    }
}
