package io.rebound.core.activation;

import io.rebound.core.binary.Sha256Hex;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * SHA-256 as the platforms take it: the digest of the UTF-8 bytes of a normalised value, written
 * as 64 lower-case hexadecimal characters.
 */
public final class Sha256 {

    private static final HexFormat HEX = HexFormat.of();
    /** One digest per thread: {@code MessageDigest.getInstance} looks the provider up on every call. */
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    private Sha256() {
    }

    /** The lower-case hex SHA-256 of the UTF-8 bytes of {@code value}. */
    public static String hex(String value) {
        // digest() resets the digest, so the next call starts afresh (an exception cannot leave it half-fed:
        // the bytes are computed before it is touched).
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return HEX.formatHex(DIGEST.get().digest(bytes));
    }

    /**
     * True for 64 hexadecimal characters in either case: a value that was hashed before it reached
     * Rebound (the pixel hashes emails in the browser). Hex is case-insensitive, so such a value is
     * passed on lower-cased ({@link #lowerHex(String)}), never hashed a second time.
     */
    public static boolean isDigest(String s) {
        return Sha256Hex.isDigest(s);
    }

    /** True for exactly what every platform expects on the wire: 64 lower-case hex characters. */
    public static boolean isLowerHexDigest(String s) {
        return Sha256Hex.isLowerCaseDigest(s);
    }

    /** A digest ({@link #isDigest}) in lower case. */
    public static String lowerHex(String digest) {
        return digest.toLowerCase(Locale.ROOT);
    }
}
