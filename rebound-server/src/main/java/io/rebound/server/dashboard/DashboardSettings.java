package io.rebound.server.dashboard;

import java.time.Clock;
import java.time.Duration;

/**
 * How the dashboard signs people in.
 *
 * @param clock           time source for session expiry (a test moves it)
 * @param idleTimeout     a session ends after this long without a request (default 2 h)
 * @param absoluteTimeout and this long after sign-in whatever happens (default 12 h)
 * @param secureCookies   mark the session cookie Secure (set when served over HTTPS)
 * @param adminToken      the server's admin token; when set, creating the first account requires it
 * @param hasher          password hashing cost
 * @param throttle        failed sign-in limits
 */
public record DashboardSettings(Clock clock, Duration idleTimeout, Duration absoluteTimeout, boolean secureCookies,
                                String adminToken, PasswordHasher hasher, LoginThrottle throttle) {

    public static DashboardSettings defaults(String adminToken) {
        return new DashboardSettings(Clock.systemUTC(), Duration.ofHours(2), Duration.ofHours(12), false, adminToken,
                PasswordHasher.DEFAULT, LoginThrottle.standard());
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
