package io.rebound.server.meta;

import io.rebound.core.activation.Sha256;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Store ids and keys: a type prefix and random base62 characters from {@link SecureRandom}.
 * The prefixes make a leaked value recognisable (and scannable) and let the API tell a write
 * key from a secret key before any lookup.
 */
public final class StoreKeys {
    public static final String STORE_ID_PREFIX = "st_";
    public static final String WRITE_KEY_PREFIX = "wk_";
    public static final String SECRET_KEY_PREFIX = "sk_";
    static final int STORE_ID_RANDOM = 16;
    static final int WRITE_KEY_RANDOM = 24;
    static final int SECRET_KEY_RANDOM = 40;

    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private StoreKeys() {
    }

    public static String newStoreId() {
        return random(STORE_ID_PREFIX, STORE_ID_RANDOM);
    }

    public static String newWriteKey() {
        return random(WRITE_KEY_PREFIX, WRITE_KEY_RANDOM);
    }

    public static String newSecretKey() {
        return random(SECRET_KEY_PREFIX, SECRET_KEY_RANDOM);
    }

    /** SHA-256 of the key's UTF-8 bytes, lower-case hex: what the database keeps of a secret key. */
    public static String hash(String key) {
        return Sha256.hex(key);
    }

    /**
     * Equality of two secrets in time independent of where they differ: both are hashed first,
     * so neither the position of the first difference nor the length leaks.
     */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(a).getBytes(StandardCharsets.US_ASCII),
                hash(b).getBytes(StandardCharsets.US_ASCII));
    }

    /** Plausible key syntax (prefix is not checked): 1..128 of {@code [A-Za-z0-9_-]}. */
    static boolean wellFormed(String key) {
        if (key == null || key.isEmpty() || key.length() > 128) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String random(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix.length() + length).append(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return sb.toString();
    }
}
