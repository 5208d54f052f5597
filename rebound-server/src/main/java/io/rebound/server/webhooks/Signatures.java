package io.rebound.server.webhooks;

import io.rebound.server.meta.SignedTokens;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The signature both platforms put on a delivery: base64(HMAC-SHA256(raw body, secret)). Checked
 * over the bytes as received, before anything parses them, and compared in constant time, so the
 * answer's timing says nothing about how much of a forged signature was right.
 */
public final class Signatures {
    private static final int MAX_HEADER = 200;

    private Signatures() {
    }

    /** base64(HMAC-SHA256(body, secret)), as the platforms send it. */
    public static String sign(byte[] body, String secret) {
        return Base64.getEncoder().encodeToString(SignedTokens.hmacSha256(secret.getBytes(StandardCharsets.UTF_8), body));
    }

    /** True when {@code header} is the signature of {@code body} under {@code secret}. */
    public static boolean verify(byte[] body, String header, String secret) {
        if (header == null || header.isBlank() || header.length() > MAX_HEADER) {
            return false;
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(header.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(SignedTokens.hmacSha256(secret.getBytes(StandardCharsets.UTF_8), body), presented);
    }
}
