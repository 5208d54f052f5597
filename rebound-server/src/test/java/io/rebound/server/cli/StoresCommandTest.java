package io.rebound.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.store.Store;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code rebound stores}: create, list and rotate-secret on the embedded database. */
class StoresCommandTest {
    @TempDir
    Path dataDir;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new StoresCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help")) {
            all.add("--data-dir");
            all.add(dataDir.toString());
        }
        int code = cmd.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static String find(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in:\n" + text).isTrue();
        return m.group();
    }

    @Test
    void createPrintsTheIdAndBothKeysAndTheStoreWorksWithThem() {
        Run r = run("create", "--name", "Yoga Loft", "--consent-required");

        assertThat(r.exitCode()).as(r.err()).isZero();
        String id = find("st_[0-9A-Za-z]{16}", r.out());
        String writeKey = find("wk_[0-9A-Za-z]{24}", r.out());
        String secret = find("sk_[0-9A-Za-z]{40}", r.out());
        try (Database db = Database.embedded(dataDir)) {
            JdbcStoreRepository stores = new JdbcStoreRepository(db);
            Store store = stores.bySecretKey(secret).orElseThrow();
            assertThat(store.id()).isEqualTo(id);
            assertThat(store.writeKey()).isEqualTo(writeKey);
            assertThat(store.name()).isEqualTo("Yoga Loft");
            assertThat(store.consentRequired()).isTrue();
        }
    }

    @Test
    void createAndListAsJson() throws Exception {
        JsonNode created = Json.MAPPER.readTree(run("create", "--name", "Scripted", "--json").out());
        assertThat(created.get("secret_key").asText()).startsWith("sk_");

        Run list = run("list", "--json");
        assertThat(list.exitCode()).isZero();
        JsonNode stores = Json.MAPPER.readTree(list.out()).get("stores");
        assertThat(stores).hasSize(1);
        assertThat(stores.get(0).get("id").asText()).isEqualTo(created.get("id").asText());
        assertThat(stores.get(0).has("secret_key")).isFalse();
    }

    @Test
    void listShowsEveryStoreButNoSecrets() {
        String secretA = find("sk_\\w+", run("create", "--name", "Shop A").out());
        run("create", "--name", "Shop B");

        Run r = run("list");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Shop A", "Shop B", "WRITE KEY").doesNotContain(secretA).doesNotContain("sk_");
    }

    @Test
    void rotateSecretPrintsANewKeyAndRetiresTheOldOne() {
        Run created = run("create", "--name", "Rotating");
        String id = find("st_[0-9A-Za-z]{16}", created.out());
        String old = find("sk_[0-9A-Za-z]{40}", created.out());

        Run r = run("rotate-secret", "--store", id);

        assertThat(r.exitCode()).as(r.err()).isZero();
        String fresh = find("sk_[0-9A-Za-z]{40}", r.out());
        try (Database db = Database.embedded(dataDir)) {
            JdbcStoreRepository stores = new JdbcStoreRepository(db);
            assertThat(stores.bySecretKey(old)).isEmpty();
            assertThat(stores.bySecretKey(fresh)).map(Store::id).contains(id);
        }
    }

    @Test
    void whileAnotherProcessHoldsTheDatabaseItSaysSoAndPointsToTheHttpApi() throws Exception {
        // As "rebound serve" would: another JVM with the embedded database open, and no H2 TCP server to share it.
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                HoldMetadataDatabase.class.getName(), dataDir.toString()).redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("the holder started").startsWith("open ");

            Run r = run("create", "--name", "Added live");

            assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.err()).contains("in use by another process").contains("/api/v1/stores")
                    .contains("admin token");
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
        Run after = run("create", "--name", "Added after");
        assertThat(after.exitCode()).as(after.err()).isZero();
    }

    @Test
    void mistakesGetAMessageAndANonZeroExitCode() {
        Run unknown = run("rotate-secret", "--store", "st_0000000000000000");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("st_0000000000000000");

        Run blank = run("create", "--name", "   ");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("name");

        Run missing = run("create");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--name");

        Run noSubcommand = run();
        assertThat(noSubcommand.exitCode()).isEqualTo(2);
        assertThat(noSubcommand.err()).contains("create", "list", "rotate-secret");
    }

    @Test
    void anUnreachableDatabaseIsAnErrorNotAStackTrace() {
        Run r = run("list", "--database-url", "jdbc:postgresql://127.0.0.1:1/nothing");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ");
    }
}
