package io.rebound.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the packaged {@code rebound serve} in a child JVM, so tests can kill it with SIGKILL the way
 * an operator or the OOM killer would.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path output;

    private ServerProcess(Process process, int port, Path output) {
        this.process = process;
        this.port = port;
        this.output = output;
    }

    /** A port free now, for a server process to listen on, and again after it is killed and restarted. */
    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ServerProcess start(Path dataDir, int port, String adminToken, boolean fsync) throws Exception {
        String jar = System.getProperty("rebound.server.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("rebound.server.jar not set or missing (" + jar + "); run through 'mvn verify'");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-jar", jar, "serve"));
        Path output = dataDir.resolveSibling(dataDir.getFileName() + "-server.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("REBOUND_PORT", String.valueOf(port));
        pb.environment().put("REBOUND_HOST", "127.0.0.1");
        pb.environment().put("REBOUND_DATA_DIR", dataDir.toString());
        pb.environment().put("REBOUND_ADMIN_TOKEN", adminToken);
        pb.environment().put("REBOUND_FSYNC", String.valueOf(fsync));
        pb.environment().put("REBOUND_RATE_LIMIT_PER_SECOND", "1000000");
        pb.environment().put("REBOUND_RATE_LIMIT_BURST", "1000000");
        pb.environment().put("REBOUND_IP_RATE_LIMIT_PER_SECOND", "0");   // the tests send everything from one address
        ServerProcess sp = new ServerProcess(pb.start(), port, output);
        sp.awaitHealthy(Duration.ofSeconds(60));
        return sp;
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                List<String> lines = Files.readAllLines(output);
                throw new IllegalStateException("server exited with " + process.exitValue() + "; its output ends:\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
            try {
                var r = client.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("server not healthy within " + timeout);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** SIGKILL: no shutdown hook, no flush — only what was already written survives. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
