package io.rebound.server.cluster;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.meta.StoreRepository;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event forwarding in cluster mode on a real broker and PostgreSQL: two nodes share the credentials
 * keyring; exactly one of them runs the destination's workers (an advisory lock); events accepted by
 * either node's collector reach the platform from the materialised events; when the owner stops, the
 * other node takes the destination over from the committed cursor and nothing is lost.
 */
class ClusterForwardingIT {

    private static final String TOKEN = "EAAB-cluster-forwarding";
    private static final String PIXEL = "555000111";
    private static final ServerConfig.Activation SHARED = new ServerConfig.Activation(
            "k1:" + Base64.getEncoder().encodeToString(new byte[32]), Duration.ofMillis(200));
    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBrokerAndDatabase() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    @Test
    void oneNodeForwardsAtATimeAndTheOtherTakesOverWithNothingLost() throws Exception {
        try (MetaContractServer meta = new MetaContractServer(TOKEN, "1234567890", PIXEL, Clock.systemUTC(), 60_000)) {
            List<ClusterServer> running = new ArrayList<>();
            ClusterServer a = TestCluster.node(tmp.resolve("a"), broker, pg, "fwd", 2, SHARED);
            running.add(a);
            ClusterServer b = TestCluster.node(tmp.resolve("b"), broker, pg, "fwd", 2, SHARED);
            running.add(b);
            try {
                StoreRepository.Created store = a.stores().create("Cluster forwarding", false);
                String storeId = store.store().id();
                JdbcDestinations.Record d = a.activation().connect(storeId, "Meta", Mode.LIVE, meta.baseUrl(),
                        DestinationSettings.parse(Platform.META, Map.of("ad_account_id", "1234567890", "pixel_id", PIXEL,
                                "access_token", TOKEN)));
                await("one owner", () -> a.activation().forwarding(d.id()).isPresent()
                        || b.activation().forwarding(d.id()).isPresent());
                Thread.sleep(Duration.ofSeconds(6).toMillis()); // a claim round on each node
                assertThat(a.activation().runsHere(d.id()) ^ b.activation().runsHere(d.id())).as("exactly one owner").isTrue();
                ClusterServer owner = a.activation().runsHere(d.id()) ? a : b;
                ClusterServer other = owner == a ? b : a;

                post(other, store.store().writeKey(), 0, 30);
                await("the first 30 forwarded", () -> ids(meta).size() == 30);

                running.remove(owner);
                owner.close();
                post(other, store.store().writeKey(), 30, 60);
                await("the other node took over", () -> other.activation().runsHere(d.id()));
                await("all 60 forwarded", () -> ids(meta).size() == 60);
                assertThat(meta.violations()).isEmpty();
            } finally {
                running.forEach(ClusterServer::close);
            }
        }
    }

    private static Set<String> ids(MetaContractServer meta) {
        Set<String> out = new HashSet<>();
        meta.events().forEach(e -> out.add(e.path("event_id").asText()));
        return out;
    }

    private void post(ClusterServer node, String writeKey, int from, int to) throws Exception {
        Instant t = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MILLIS);
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add("""
                    {"type":"track","event":"Product Viewed","messageId":"view-%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat"},"context":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0","clickIds":{"fbp":"fb.1.1700000000000.%1$d"}}}"""
                    .formatted(i, t));
        }
        String auth = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/batch"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + String.join(",", events) + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
