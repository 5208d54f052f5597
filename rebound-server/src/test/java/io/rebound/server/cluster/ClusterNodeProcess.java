package io.rebound.server.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A cluster-mode {@code rebound serve} in a child JVM (the packaged jar), configured through
 * {@code REBOUND_*} variables as an operator would, so a test can SIGKILL it: no shutdown hook, no
 * Streams commit, no sink transaction finished.
 */
final class ClusterNodeProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path logFile;

    private ClusterNodeProcess(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    static ClusterNodeProcess start(Path dataDir, Map<String, String> env) throws Exception {
        String jar = System.getProperty("rebound.server.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("rebound.server.jar not set or missing (" + jar + "); run through 'mvn verify'");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        // Kept after the run (target/), for a failure's post-mortem.
        Path log = Path.of("target", "cluster-it-" + dataDir.getFileName() + ".log").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx384m",
                "-jar", jar, "serve")).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("REBOUND_PORT", String.valueOf(port));
        pb.environment().put("REBOUND_HOST", "127.0.0.1");
        pb.environment().put("REBOUND_DATA_DIR", dataDir.toString());
        ClusterNodeProcess node = new ClusterNodeProcess(pb.start(), port, log);
        node.awaitHealthy(Duration.ofSeconds(90));
        return node;
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + Files.readString(logFile));
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
        throw new IllegalStateException("node not healthy within " + timeout + ":\n" + Files.readString(logFile));
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** SIGKILL. */
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
