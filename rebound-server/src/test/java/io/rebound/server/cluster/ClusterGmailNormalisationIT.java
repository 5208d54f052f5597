package io.rebound.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Platform;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.SegmentRecord;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Google's Gmail rule in cluster mode, on a real broker, PostgreSQL and the Meta and Google contract
 * servers (decision 0022): one shopper gives {@code John.Doe+x@gmail.com} in the clear, another only
 * the pixel's two digests (of {@code mary.major+shop@googlemail.com} as written and in Google's form),
 * a third a non-Gmail address. Their digests of Google's form travel through the topology's
 * {@code rebound-google-emails} store and its changelog into {@code cluster_google_emails}; the list
 * sync and the forwarded events then give Google Google's form and Meta the address as written — as
 * the embedded server does (GmailNormalisationTest). Erasing a shopper removes the row and takes the
 * Google digest off Google's list. Expected digests are {@code MessageDigest} over the literals.
 */
class ClusterGmailNormalisationIT {

    private static final String META_TOKEN = "EAAB-cluster-gmail";
    private static final String PIXEL = "555000333";
    private static final String ACCOUNT = "1234567890";
    private static final ServerConfig.Activation ACTIVATION = new ServerConfig.Activation(
            "k1:" + Base64.getEncoder().encodeToString(new byte[32]), Duration.ofMillis(200));
    private static final Instant T = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MILLIS);

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
    void googleGetsGooglesFormOfGmailAddressesFromTheClusterAndMetaGetsThemAsWritten() throws Exception {
        String plain = sha256("john.doe+x@gmail.com");
        String googles = sha256("johndoe@gmail.com");
        String pixelPlain = sha256("mary.major+shop@googlemail.com");
        String pixelGoogles = sha256("marymajor@googlemail.com");
        String other = sha256("jane.roe+x@example.com");
        try (MetaContractServer meta = new MetaContractServer(META_TOKEN, ACCOUNT, PIXEL, Clock.systemUTC(), 60_000);
             GoogleContractServer google = new GoogleContractServer(ACCOUNT)
                     .trustRefreshToken("gmail.apps.googleusercontent.com", "1//refresh-gmail");
             ClusterServer node = TestCluster.node(tmp.resolve("n"), broker, pg, "gmail", 2, ACTIVATION)) {
            StoreRepository.Created created = node.stores().create("Cluster Gmail shop", false);
            String storeId = created.store().id();
            SegmentRecord segment = node.audiences().createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            await("segment ready", () -> node.audiences().segment(storeId, segment.id())
                    .map(r -> r.status() == SegmentRecord.Status.READY).orElse(false));
            JdbcDestinations.Record m = node.activation().connect(storeId, "Meta", Mode.LIVE, meta.baseUrl(),
                    DestinationSettings.parse(Platform.META, Map.of("ad_account_id", ACCOUNT, "pixel_id", PIXEL,
                            "access_token", META_TOKEN)));
            JdbcDestinations.Record g = node.activation().connect(storeId, "Google", Mode.LIVE, google.baseUrl(),
                    DestinationSettings.parse(Platform.GOOGLE, Map.of("operating_account_id", ACCOUNT,
                            "customer_match_terms_accepted", true, "conversion_action_id", "987654",
                            "client_id", "gmail.apps.googleusercontent.com", "client_secret", "GOCSPX-gmail",
                            "refresh_token", "1//refresh-gmail", "token_url", google.baseUrl() + "/token")));
            assertThat(node.activation().pair(m, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            assertThat(node.activation().pair(g, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            await("forwarders", () -> node.activation().forwarding(m.id()).isPresent()
                    && node.activation().forwarding(g.id()).isPresent());

            String writeKey = created.store().writeKey();
            post(node, writeKey, """
                    {"type":"identify","messageId":"id-clear","anonymousId":"v-gmail","timestamp":"%s","traits":{"email":"John.Doe+x@gmail.com"}}"""
                    .formatted(T), """
                    {"type":"identify","messageId":"id-pixel","anonymousId":"v-pixel","timestamp":"%s","traits":{"email_sha256":"%s","email_google_sha256":"%s"}}"""
                    .formatted(T, pixelPlain, pixelGoogles));
            // The cart events carry no email: their forwarded copies and list rows take the person's, read from PostgreSQL.
            await("the emails' identities materialised", () -> ids(node, storeId, "v-gmail").emailHashes().contains(plain)
                    && ids(node, storeId, "v-pixel").emailHashes().contains(pixelPlain));
            // Google's digest shares the alias's changelog partition, ahead of it: visible no later than the email.
            assertThat(ids(node, storeId, "v-gmail").googleEmailHashes()).isEqualTo(Map.of(plain, googles));
            assertThat(ids(node, storeId, "v-pixel").googleEmailHashes()).isEqualTo(Map.of(pixelPlain, pixelGoogles));
            post(node, writeKey, cart("v-gmail", 1, null), cart("v-pixel", 2, null), cart("v-other", 3, "Jane.Roe+x@Example.com"));

            String metaList = node.activation().pairings(m.id()).getFirst().audience().id();
            String googleList = node.activation().pairings(g.id()).getFirst().audience().id();
            try {
                await("three on each list, three events on each platform", () -> meta.members(metaList).size() >= 3
                        && google.members(googleList).size() >= 3 && events(meta, "AddToCart").size() >= 3
                        && google.eventCount() >= 3);
            } catch (AssertionError e) {
                throw new AssertionError("meta list " + meta.members(metaList) + ", google list " + google.members(googleList)
                        + ", meta events " + meta.events() + ", google events " + google.events() + ", violations "
                        + meta.violations() + google.violations(), e);
            }
            assertThat(meta.members(metaList)).containsExactlyInAnyOrder(plain, pixelPlain, other);
            assertThat(google.members(googleList)).containsExactlyInAnyOrder(googles, pixelGoogles, other);
            assertThat(events(meta, "AddToCart")).extracting(e -> e.path("user_data").path("em").get(0).asText())
                    .containsExactlyInAnyOrder(plain, pixelPlain, other);
            assertThat(google.events()).extracting(e -> e.path("userData").path("userIdentifiers").get(0)
                    .path("emailAddress").asText()).containsExactlyInAnyOrder(googles, pixelGoogles, other);
            assertThat(meta.violations()).isEmpty();
            assertThat(google.violations()).isEmpty();
            assertThat(googleRows(storeId)).containsExactlyInAnyOrderEntriesOf(Map.of(
                    PersonIds.emailKey(plain), googles, PersonIds.emailKey(pixelPlain), pixelGoogles));

            // Erasure: the row goes with the alias, and Google's list loses the digest it was given.
            node.audiences().erase(storeId, "v-gmail");
            await("erased from PostgreSQL and from both lists", () -> !googleRows(storeId).containsKey(PersonIds.emailKey(plain))
                    && !google.members(googleList).contains(googles) && !meta.members(metaList).contains(plain));
            assertThat(google.members(googleList)).containsExactlyInAnyOrder(pixelGoogles, other);
            assertThat(meta.members(metaList)).containsExactlyInAnyOrder(pixelPlain, other);
            assertThat(google.violations()).isEmpty();
        }
    }

    private static List<JsonNode> events(MetaContractServer meta, String name) {
        return meta.events().stream().filter(e -> e.path("event_name").asText().equals(name)).toList();
    }

    /** The person's ids as the cluster's list sync reads them (PostgreSQL), or none yet. */
    private static PersonIds ids(ClusterServer node, String storeId, String visitor) {
        Optional<String> person = node.audiences().reader().personOf(storeId, visitor);
        return person.map(p -> node.audiences().reader().ids(storeId, p)).orElse(PersonIds.NONE);
    }

    private static Map<String, String> googleRows(String storeId) {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
             PreparedStatement ps = c.prepareStatement("SELECT id_key, google_email_hash FROM cluster_google_emails WHERE store_id = ?")) {
            ps.setString(1, storeId);
            Map<String, String> out = new TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cart(String visitor, int second, String email) {
        String props = "\"product_id\":\"mat\",\"price\":40,\"currency\":\"USD\"" + (email == null ? "" : ",\"email\":\"" + email + "\"");
        return """
                {"type":"track","event":"Product Added","messageId":"cart-%s","anonymousId":"%s","timestamp":"%s","properties":{%s}}"""
                .formatted(visitor, visitor, T.plusSeconds(second), props);
    }

    private void post(ClusterServer node, String writeKey, String... events) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/batch"))
                        .header("Authorization", auth).header("Content-Type", "application/json").header("User-Agent", "Mozilla/5.0")
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
