package io.rebound.destinations.google;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Access tokens from google-auth-library, which signs the service account's assertion or redeems
 * the refresh token, caches the token and refreshes it before it expires. The token endpoint can be
 * overridden (a proxy, a local test endpoint); by default it is Google's.
 */
public final class GoogleAuthTokens implements AccessTokenProvider {

    private final GoogleCredentials credentials;

    private GoogleAuthTokens(GoogleCredentials credentials) {
        this.credentials = credentials;
    }

    /**
     * From a service account key file (the JSON the Cloud console downloads), scoped to the Data
     * Manager API.
     *
     * @param tokenServer the token endpoint, or null for the one the key names
     */
    public static GoogleAuthTokens serviceAccount(InputStream keyJson, URI tokenServer) throws IOException {
        ServiceAccountCredentials key = ServiceAccountCredentials.fromStream(Objects.requireNonNull(keyJson, "keyJson"));
        ServiceAccountCredentials.Builder b = key.toBuilder().setScopes(List.of(SCOPE));
        if (tokenServer != null) {
            b.setTokenServerUri(tokenServer);
        }
        return new GoogleAuthTokens(b.build());
    }

    /**
     * From an OAuth client and a refresh token the store owner granted with the Data Manager scope.
     *
     * @param tokenServer the token endpoint, or null for Google's
     */
    public static GoogleAuthTokens refreshToken(String clientId, String clientSecret, String refreshToken, URI tokenServer) {
        UserCredentials.Builder b = UserCredentials.newBuilder()
                .setClientId(Objects.requireNonNull(clientId, "clientId"))
                .setClientSecret(Objects.requireNonNull(clientSecret, "clientSecret"))
                .setRefreshToken(Objects.requireNonNull(refreshToken, "refreshToken"));
        if (tokenServer != null) {
            b.setTokenServerUri(tokenServer);
        }
        return new GoogleAuthTokens(b.build());
    }

    @Override
    public String accessToken() throws IOException {
        credentials.refreshIfExpired();
        AccessToken token = credentials.getAccessToken();
        if (token == null) {
            throw new IOException("google-auth-library returned no access token");
        }
        return token.getTokenValue();
    }

    @Override
    public String toString() {
        return "GoogleAuthTokens[" + credentials.getClass().getSimpleName() + "]";
    }
}
