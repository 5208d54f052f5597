package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.contract.Fixtures;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.internal.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The real google-auth-library against a local token endpoint: a service account key and a refresh token. */
class GoogleAuthTokensTest {

    private final GoogleContractServer server = new GoogleContractServer("1234567890");

    @AfterEach
    void close() {
        server.close();
    }

    private URI tokenUri() {
        return URI.create(server.baseUrl() + "/token");
    }

    private static byte[] serviceAccountJson(KeyPair keys, String email, URI tokenUri) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode json = Json.object();
        json.put("type", "service_account");
        json.put("project_id", "rebound-test");
        json.put("private_key_id", "key-1");
        json.put("private_key", pem);
        json.put("client_email", email);
        json.put("client_id", "1000");
        json.put("token_uri", tokenUri.toString());
        return Json.bytes(json);
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    @Test
    void aServiceAccountKeyGetsATokenWhoseSignedAssertionTheEndpointVerifies() throws Exception {
        KeyPair keys = rsa();
        String email = "rebound@rebound-test.iam.gserviceaccount.com";
        server.trustServiceAccount(email, keys.getPublic());
        GoogleAuthTokens tokens = GoogleAuthTokens.serviceAccount(
                new ByteArrayInputStream(serviceAccountJson(keys, email, tokenUri())), null);

        String token = tokens.accessToken();
        assertThat(token).startsWith("ya29.local-");
        assertThat(tokens.accessToken()).as("cached until it nears expiry").isEqualTo(token);
        assertThat(server.tokenRequests()).isEqualTo(1);

        GoogleDestination google = new GoogleDestination(
                GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl()).withCustomerMatchTermsAccepted(true), tokens,
                Mode.LIVE, HttpTransport.withDefaults(), new RequestLog(), Clock.systemUTC());
        SyncReport report = google.addMembers(google.linkAudience(server.createExisting()), Fixtures.generated(3));
        assertThat(report.complete()).isTrue();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aKeyTheEndpointDoesNotTrustIsGivenUp() throws Exception {
        KeyPair trusted = rsa();
        KeyPair other = rsa();
        String email = "rebound@rebound-test.iam.gserviceaccount.com";
        server.trustServiceAccount(email, trusted.getPublic());
        GoogleAuthTokens tokens = GoogleAuthTokens.serviceAccount(
                new ByteArrayInputStream(serviceAccountJson(other, email, URI.create("https://oauth2.googleapis.com/token"))),
                tokenUri());
        GoogleDestination google = new GoogleDestination(GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl()),
                tokens, Mode.LIVE, HttpTransport.withDefaults(), new RequestLog(), Clock.systemUTC());
        SyncReport report = google.addMembers(google.linkAudience(server.createExisting()), Fixtures.generated(1));
        assertThat(report.stoppedBy()).isInstanceOfSatisfying(Outcome.GiveUp.class,
                g -> assertThat(g.message()).contains("invalid_grant"));
        assertThat(server.received()).allMatch(r -> r.path().equals("/token"));
    }

    @Test
    void aRefreshTokenIsRedeemedAndARevokedOneGivenUp() throws Exception {
        server.trustRefreshToken("client-1.apps.googleusercontent.com", "1//refresh");
        GoogleAuthTokens good = GoogleAuthTokens.refreshToken("client-1.apps.googleusercontent.com", "secret", "1//refresh",
                tokenUri());
        assertThat(good.accessToken()).startsWith("ya29.local-");

        GoogleAuthTokens revoked = GoogleAuthTokens.refreshToken("client-1.apps.googleusercontent.com", "secret", "1//gone",
                tokenUri());
        GoogleDestination google = new GoogleDestination(GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl()),
                revoked, Mode.LIVE, new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20)), new RequestLog(),
                Clock.systemUTC());
        assertThat(google.addMembers(google.linkAudience(server.createExisting()), Fixtures.generated(1)).stoppedBy())
                .isInstanceOf(Outcome.GiveUp.class);
    }
}
