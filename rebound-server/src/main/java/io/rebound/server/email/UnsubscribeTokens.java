package io.rebound.server.email;

import io.rebound.server.meta.SignedTokens;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Signed unsubscribe tokens: {@code base64url(store "|" emailHash) "." base64url(HMAC-SHA256)}. The
 * token names the address by its hash only, so a forwarded email leaks no address, and it never
 * expires: an unsubscribe link must keep working (RFC 8058 asks for it to work without a session).
 */
public final class UnsubscribeTokens {
    private static final int MAX_TOKEN_CHARS = 512;
    private final SignedTokens tokens;

    public UnsubscribeTokens(byte[] key) {
        this.tokens = new SignedTokens(key);
    }

    /** Who a token unsubscribes. */
    public record Subject(String storeId, String emailHash) {
    }

    public String sign(String storeId, String emailHash) {
        return tokens.sign((storeId + "|" + emailHash).getBytes(StandardCharsets.UTF_8));
    }

    /** The subject of a well-signed token; empty for anything else. */
    public Optional<Subject> verify(String token) {
        return tokens.open(token, MAX_TOKEN_CHARS).flatMap(body -> {
            String s = new String(body, StandardCharsets.UTF_8);
            int bar = s.indexOf('|');
            return bar <= 0 ? Optional.empty() : Optional.of(new Subject(s.substring(0, bar), s.substring(bar + 1)));
        });
    }
}
