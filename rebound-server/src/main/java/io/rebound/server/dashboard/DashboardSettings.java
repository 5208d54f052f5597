package io.rebound.server.dashboard;

import io.rebound.server.http.TrustedProxies;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/**
 * How the dashboard signs people in, how it is reached, and what it lets pile up.
 *
 * @param clock               time source for session expiry (a test moves it)
 * @param idleTimeout         a session ends after this long without a request (default 2 h)
 * @param absoluteTimeout     and this long after sign-in whatever happens (default 12 h)
 * @param secureCookies       mark the session cookie Secure (set when served over HTTPS)
 * @param adminToken          the server's admin token; when set, it can create the first account
 * @param hasher              password hashing cost
 * @param throttle            failed sign-in limits
 * @param proxies             peers whose forwarding headers give the client's address and scheme
 * @param publicUrl           the URL the install snippets point at, or null for the request's Host
 * @param sessions            signed-in sessions the process holds at most; sign-in beyond is refused (503)
 * @param liveStreamsPerStore open live-debugger streams per store (429 beyond)
 * @param liveStreams         open live-debugger streams in the process (503 beyond)
 * @param segmentsPerStore    segments a store may have (409 beyond)
 */
public record DashboardSettings(Clock clock, Duration idleTimeout, Duration absoluteTimeout, boolean secureCookies,
                                String adminToken, PasswordHasher hasher, LoginThrottle throttle,
                                TrustedProxies proxies, URI publicUrl, int sessions, int liveStreamsPerStore,
                                int liveStreams, int segmentsPerStore) {

    /** Sessions one user keeps at most: signing in once more ends that user's oldest. */
    static final int SESSIONS_PER_USER = 20;

    public static DashboardSettings defaults(String adminToken) {
        return new DashboardSettings(Clock.systemUTC(), Duration.ofHours(2), Duration.ofHours(12), false, adminToken,
                PasswordHasher.DEFAULT, LoginThrottle.standard(), TrustedProxies.NONE, null, 10_000, 10, 200, 100);
    }

    /** These settings reached through {@code publicUrl} (may be null) behind {@code proxies}. */
    public DashboardSettings withWeb(URI url, TrustedProxies trusted, boolean secure) {
        return new DashboardSettings(clock, idleTimeout, absoluteTimeout, secure, adminToken, hasher, throttle,
                trusted, url, sessions, liveStreamsPerStore, liveStreams, segmentsPerStore);
    }

    /** These settings with other caps. */
    public DashboardSettings withLimits(int maxSessions, int streamsPerStore, int streams, int segments) {
        return new DashboardSettings(clock, idleTimeout, absoluteTimeout, secureCookies, adminToken, hasher, throttle,
                proxies, publicUrl, maxSessions, streamsPerStore, streams, segments);
    }

    /** A hash of a random password, verified against when the email is unknown (equal timing). */
    String dummyHash() {
        return DummyHash.of(hasher);
    }

    private static final class DummyHash {
        private static volatile String value;

        static String of(PasswordHasher hasher) {
            String v = value;
            if (v == null) {
                v = hasher.hash(DashboardAuth.token());
                value = v;
            }
            return v;
        }
    }
}
