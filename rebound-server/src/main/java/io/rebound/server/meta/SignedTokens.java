package io.rebound.server.meta;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Tokens only this server can make: {@code base64url(body) "." base64url(HMAC-SHA256(key, body))},
 * unpadded. Opening one checks its length before any work, then its signature in constant time, and
 * only then hands the body out; what the body means (a cart, an unsubscribe) is the caller's.
 */
public final class SignedTokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final byte[] key;

    public SignedTokens(byte[] key) {
        this.key = key.clone();
    }

    public String sign(byte[] body) {
        return B64.encodeToString(body) + "." + B64.encodeToString(hmacSha256(key, body));
    }

    /** The body of a token this key signed, if {@code token} is one and at most {@code maxChars} long. */
    public Optional<byte[]> open(String token, int maxChars) {
        if (token == null || token.length() > maxChars) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            byte[] body = Base64.getUrlDecoder().decode(token.substring(0, dot));
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            return MessageDigest.isEqual(sig, hmacSha256(key, body)) ? Optional.of(body) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** HMAC-SHA256 of {@code body} under {@code key}. */
    public static byte[] hmacSha256(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
