package io.rebound.core.binary;

/**
 * A SHA-256 digest written as text: 64 hexadecimal characters. The one check of that shape, shared
 * by the event model (the email hashes an event carries) and activation (a value hashed before it
 * reached Rebound, and what every platform expects on the wire). ASCII only: {@code 0-9}, {@code a-f}
 * and, where either case is allowed, {@code A-F}.
 */
public final class Sha256Hex {
    /** Characters of a SHA-256 digest in hex. */
    public static final int LENGTH = 64;

    private Sha256Hex() {
    }

    /** True for 64 hexadecimal characters in either case. */
    public static boolean isDigest(String s) {
        return matches(s, true);
    }

    /** True for 64 lower-case hexadecimal characters: the form platforms take and events keep. */
    public static boolean isLowerCaseDigest(String s) {
        return matches(s, false);
    }

    private static boolean matches(String s, boolean upperCaseToo) {
        if (s == null || s.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || upperCaseToo && c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }
}
