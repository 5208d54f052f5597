package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole server configured for the open internet: behind a proxy, with a public URL, nothing else listening. */
class ServerHardeningTest {
    @TempDir
    Path dir;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ServerConfig behindProxy(Path data) {
        return ServerConfig.load(null, Map.of("REBOUND_DATA_DIR", data.toString(), "REBOUND_PORT", "0",
                        "REBOUND_HOST", "127.0.0.1", "REBOUND_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8",
                        "REBOUND_PUBLIC_URL", "https://collect.example.com"))
                .withRateLimit(1_000_000, 1_000_000);
    }

    @Test
    void theDataDirectoryIsPrivateAndTheMetadataDatabaseServesNoTcpPort() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(data).withPort(0))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
            Path lock = data.resolve("meta.lock.db");
            if (Files.exists(lock)) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(lock)) {
                    p.load(r);
                }
                assertThat(p.getProperty("server")).as("H2 AUTO_SERVER port in " + p).isNull();
            }
            assertThat(server.stores().list()).isEmpty();
        }
    }

    @Test
    void aNewServerPrintsASetupCodeAndTheDemoDoesNot() {
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(dir.resolve("fresh")).withPort(0))) {
            assertThat(server.setupCode()).isPresent();
        }
        try (ReboundServer demo = ReboundServer.start(ServerConfig.demo(dir.resolve("demo"), 0))) {
            assertThat(demo.setupCode()).isEmpty();
            assertThat(demo.dashboard().users().byEmail("demo@rebound.local")).isPresent();
        }
    }

    @Test
    void behindATrustedProxyTheForwardedClientAddressAndThePublicUrlAreUsed() throws Exception {
        try (ReboundServer server = ReboundServer.start(behindProxy(dir.resolve("proxied")))) {
            StoreRepository.Created store = server.stores().create("Proxied", false);
            // The client forged the first hop; the proxy appended the address it saw.
            var r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/track"))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                            (store.store().writeKey() + ":").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                            + "Chrome/126.0.0.0 Safari/537.36")
                    .header("X-Forwarded-For", "192.0.2.1, 203.0.113.77, 10.1.2.3")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"event\":\"Product Viewed\",\"messageId\":\"m-proxy\",\"anonymousId\":\"v-proxy\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            server.indexer().awaitCaughtUp(5_000);
            assertThat(server.indexer().visitorEvents(store.store().id(), "v-proxy", 10))
                    .singleElement().satisfies(e -> assertThat(e.ip()).isEqualTo("203.0.113.0"));

            var settings = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/projects/"
                            + store.store().writeKey() + "/settings")).header("X-Forwarded-Host", "evil.example").build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode io = Json.MAPPER.readTree(settings.body()).get("integrations").get("Segment.io");
            assertThat(io.get("apiHost").asText()).isEqualTo("collect.example.com/v1");
            assertThat(io.get("protocol").asText()).isEqualTo("https");
            assertThat(server.config().web().secureCookies()).as("on by default with an https public-url").isTrue();

            var login = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/dashboard/login")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.headers().allValues("Set-Cookie")).allSatisfy(c -> assertThat(c).contains("Secure"));
        }
    }
}
