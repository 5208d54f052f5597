package io.rebound.server.email;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Signed unsubscribe tokens: {@code base64url(store "|" emailHash) "." base64url(HMAC-SHA256)}. The
 * token names the address by its hash only, so a forwarded email leaks no address, and it never
 * expires: an unsubscribe link must keep working (RFC 8058 asks for it to work without a session).
 */
public final class UnsubscribeTokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final byte[] key;

    public UnsubscribeTokens(byte[] key) {
        this.key = key.clone();
    }

    /** Who a token unsubscribes. */
    public record Subject(String storeId, String emailHash) {
    }

    public String sign(String storeId, String emailHash) {
        byte[] body = (storeId + "|" + emailHash).getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(body) + "." + B64.encodeToString(mac(body));
    }

    /** The subject of a well-signed token; empty for anything else. */
    public Optional<Subject> verify(String token) {
        if (token == null || token.length() > 512) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            byte[] body = Base64.getUrlDecoder().decode(token.substring(0, dot));
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(sig, mac(body))) {
                return Optional.empty();
            }
            String s = new String(body, StandardCharsets.UTF_8);
            int bar = s.indexOf('|');
            return bar <= 0 ? Optional.empty() : Optional.of(new Subject(s.substring(0, bar), s.substring(bar + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
