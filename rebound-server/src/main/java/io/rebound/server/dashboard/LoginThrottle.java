package io.rebound.server.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits password guessing: at most {@code perAccount} failed sign-ins per email and
 * {@code perAddress} per client address within {@code window} (counted from the first failure).
 * A success clears the account's count. Counts live in memory (Caffeine), per process.
 */
public final class LoginThrottle {
    private final int perAccount;
    private final int perAddress;
    private final Duration window;
    private final Cache<String, AtomicInteger> failures;

    public LoginThrottle(int perAccount, int perAddress, Duration window, Ticker ticker) {
        this.perAccount = perAccount;
        this.perAddress = perAddress;
        this.window = window;
        this.failures = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).ticker(ticker).build();
    }

    public static LoginThrottle standard() {
        return new LoginThrottle(5, 30, Duration.ofMinutes(15), Ticker.systemTicker());
    }

    /** Whether another attempt for this account from this address may be checked now. */
    public boolean allowed(String email, String address) {
        return count("e:" + email) < perAccount && count("a:" + address) < perAddress;
    }

    public void failed(String email, String address) {
        // Incrementing an existing entry does not extend its life: the window starts at the first failure.
        failures.get("e:" + email, k -> new AtomicInteger()).incrementAndGet();
        failures.get("a:" + address, k -> new AtomicInteger()).incrementAndGet();
    }

    public void succeeded(String email) {
        failures.invalidate("e:" + email);
    }

    public long retryAfterSeconds() {
        return window.toSeconds();
    }

    private int count(String key) {
        AtomicInteger n = failures.getIfPresent(key);
        return n == null ? 0 : n.get();
    }
}
