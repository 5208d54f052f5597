package io.rebound.server.activation;

import io.rebound.core.activation.Platform;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.meta.StoreRepository;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Google's Gmail rule end to end: a visitor identifies with {@code John.Doe+x@gmail.com} at a real
 * embedded server's collector and joins a segment synced to Meta and Google; Google's contract server
 * gets the hash of {@code johndoe@gmail.com} (dots and {@code +tag} removed, Google's rule), Meta's the
 * hash of {@code john.doe+x@gmail.com} (trim and lower case only), on the customer lists and on the
 * forwarded events alike. A second visitor sends only the pixel's two digests ({@code email_sha256}
 * and {@code email_google_sha256}): each platform gets its own. Expected hashes are
 * {@code MessageDigest} over the literals.
 */
class GmailNormalisationTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String META_TOKEN = "EAAB-gmail-token";
    private static final String PIXEL = "555000222";
    private static final String ACCOUNT = "1234567890";
    private static final Instant T = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MILLIS);

    @TempDir
    static Path dir;
    private static ReboundServer server;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000)
                .withActivation(new ServerConfig.Activation(null, Duration.ofMillis(100))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void googleGetsTheGmailAddressWithoutDotsAndTagWhileMetaGetsItAsWritten() throws Exception {
        try (MetaContractServer meta = new MetaContractServer(META_TOKEN, ACCOUNT, PIXEL, Clock.systemUTC(), 60_000);
             GoogleContractServer google = new GoogleContractServer(ACCOUNT)
                     .trustRefreshToken("gmail.apps.googleusercontent.com", "1//refresh-gmail")) {
            StoreRepository.Created created = server.stores().create("Gmail shop", false);
            String storeId = created.store().id();
            SegmentRecord segment = server.audiencesPort().createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            await(() -> server.audiencesPort().segment(storeId, segment.id()).orElseThrow().status()
                    == SegmentRecord.Status.READY);
            JdbcDestinations.Record m = server.activation().connect(storeId, "Meta", Mode.LIVE, meta.baseUrl(),
                    DestinationSettings.parse(Platform.META, Map.of("ad_account_id", ACCOUNT, "pixel_id", PIXEL,
                            "access_token", META_TOKEN)));
            JdbcDestinations.Record g = server.activation().connect(storeId, "Google", Mode.LIVE, google.baseUrl(),
                    DestinationSettings.parse(Platform.GOOGLE, Map.of("operating_account_id", ACCOUNT,
                            "customer_match_terms_accepted", true, "conversion_action_id", "987654",
                            "client_id", "gmail.apps.googleusercontent.com", "client_secret", "GOCSPX-gmail",
                            "refresh_token", "1//refresh-gmail", "token_url", google.baseUrl() + "/token")));
            assertThat(server.activation().pair(m, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            assertThat(server.activation().pair(g, segment, null)).isInstanceOf(Activation.PairResult.Paired.class);
            await(() -> server.activation().forwarding(m.id()).isPresent() && server.activation().forwarding(g.id()).isPresent());

            String pixelPlain = sha256("mary.major+shop@googlemail.com");
            String pixelGoogles = sha256("marymajor@googlemail.com");
            post(created.store().writeKey(), List.of("""
                    {"type":"identify","messageId":"id-1","anonymousId":"v-gmail","timestamp":"%s","traits":{"email":"John.Doe+x@gmail.com"}}"""
                    .formatted(T),
                    // As the pixel sends it: the two digests, no address.
                    """
                    {"type":"identify","messageId":"id-2","anonymousId":"v-pixel","timestamp":"%s","traits":{"email_sha256":"%s","email_google_sha256":"%s"}}"""
                    .formatted(T, pixelPlain, pixelGoogles)));
            // The cart event carries no email: its forwarded copy takes the person's, learnt from the identify.
            for (String visitor : List.of("v-gmail", "v-pixel")) {
                await(() -> server.audiencesPort().reader().personOf(storeId, visitor)
                        .map(p -> !server.audiencesPort().reader().ids(storeId, p).emailHashes().isEmpty()).orElse(false));
            }
            post(created.store().writeKey(), List.of(
                    """
                    {"type":"track","event":"Product Added","messageId":"cart-gmail","anonymousId":"v-gmail","timestamp":"%s","properties":{"product_id":"mat","price":40,"currency":"USD"}}"""
                            .formatted(T.plusSeconds(1)),
                    """
                    {"type":"track","event":"Product Added","messageId":"cart-pixel","anonymousId":"v-pixel","timestamp":"%s","properties":{"product_id":"mat","price":40,"currency":"USD"}}"""
                            .formatted(T.plusSeconds(1)),
                    // A non-Gmail address is the same for both platforms.
                    """
                    {"type":"track","event":"Product Added","messageId":"cart-other","anonymousId":"v-other","timestamp":"%s","properties":{"product_id":"mat","price":40,"currency":"USD","email":"Jane.Roe+x@Example.com"}}"""
                            .formatted(T.plusSeconds(2))));

            String metaList = server.activation().pairings(m.id()).getFirst().audience().id();
            String googleList = server.activation().pairings(g.id()).getFirst().audience().id();
            String plain = sha256("john.doe+x@gmail.com");
            String googles = sha256("johndoe@gmail.com");
            String other = sha256("jane.roe+x@example.com");
            try {
                // The three carts specifically: the membership events (Rebound_…) reach Meta too, and may come first.
                await(() -> meta.members(metaList).size() >= 3 && google.members(googleList).size() >= 3
                        && meta.events().stream().filter(e -> e.path("event_name").asText().equals("AddToCart")).count() >= 3
                        && google.eventCount() >= 3);
            } catch (AssertionError e) {
                throw new AssertionError("meta list " + meta.members(metaList) + ", google list " + google.members(googleList)
                        + ", meta events " + meta.events() + ", google events " + google.events() + ", violations "
                        + meta.violations() + google.violations() + ", google status " + server.activation().forwarding(g.id())
                        + server.activation().forwarding(m.id()), e);
            }

            assertThat(meta.members(metaList)).containsExactlyInAnyOrder(plain, pixelPlain, other);
            assertThat(google.members(googleList)).containsExactlyInAnyOrder(googles, pixelGoogles, other);
            assertThat(meta.events().stream().filter(e -> e.path("event_name").asText().equals("AddToCart"))
                    .map(e -> e.path("user_data").path("em").get(0).asText())).containsExactlyInAnyOrder(plain, pixelPlain, other);
            await(() -> meta.events().stream().filter(e -> e.path("event_name").asText().startsWith("Rebound_")).count() == 3);
            assertThat(meta.events().stream().filter(e -> e.path("event_name").asText().startsWith("Rebound_"))
                    .map(e -> e.path("user_data").path("em").get(0).asText()))
                    .as("the membership events, from the person's ids").containsExactlyInAnyOrder(plain, pixelPlain, other);
            assertThat(google.events()).extracting(e -> e.path("userData").path("userIdentifiers").get(0)
                    .path("emailAddress").asText()).containsExactlyInAnyOrder(googles, pixelGoogles, other);
            assertThat(meta.violations()).isEmpty();
            assertThat(google.violations()).isEmpty();

            // The Google hash is kept with the person, beside (not instead of) the plain one.
            String person = server.audiencesPort().reader().personOf(storeId, "v-gmail").orElseThrow();
            var ids = server.audiencesPort().reader().ids(storeId, person);
            assertThat(ids.emailHashes()).containsExactly(plain);
            assertThat(ids.googleEmailHashes()).containsExactly(Map.entry(plain, googles));

            server.activation().disconnect(storeId, m.id());
            server.activation().disconnect(storeId, g.id());
        }
    }

    private static void post(String writeKey, List<String> events) throws Exception {
        String body = "{\"batch\":[" + String.join(",", events) + "]}";
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("Content-Type", "application/json").header("User-Agent", "Mozilla/5.0")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }
}
