package io.rebound.destinations.google;

import java.io.IOException;

/**
 * Where the Google destination gets an OAuth access token for the Data Manager API. Production uses
 * {@link GoogleAuthTokens} (google-auth-library: a service account key or a refresh token; never a
 * hand-signed JWT); tests may supply a fixed token.
 */
@FunctionalInterface
public interface AccessTokenProvider {

    /** The OAuth scope the Data Manager API requires. */
    String SCOPE = "https://www.googleapis.com/auth/datamanager";

    /** A valid access token, refreshed when it is about to expire. */
    String accessToken() throws IOException;

    /** A provider that always answers {@code token}. */
    static AccessTokenProvider fixed(String token) {
        return () -> token;
    }
}
