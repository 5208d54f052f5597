package io.rebound.server.collect;

import io.rebound.core.activation.Sha256;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Normalises and hashes personal identifiers the way the ad platforms expect (Meta's customer
 * information parameters, Google's enhanced conversions): an email is trimmed and lower-cased,
 * nothing else (dots in Gmail addresses are kept), a phone number keeps its digits without
 * leading zeros; both are then SHA-256 hashed to lower-case hex. A value that already is 64 hex
 * characters is taken to be such a hash, so a browser that hashed first (the pixel does) and a
 * server that did not end with the same hash.
 */
public final class Pii {

    private static final HexFormat HEX = HexFormat.of();

    private Pii() {
    }

    /** True for 64 hexadecimal characters, i.e. a SHA-256 digest in hex (the core's rule, {@link Sha256#isDigest}). */
    public static boolean isSha256Hex(String s) {
        return Sha256.isDigest(s);
    }

    /** The normalised email (trimmed, lower case), or null when it is not shaped like an address. */
    public static String normaliseEmail(String raw) {
        if (raw == null) {
            return null;
        }
        String e = raw.strip().toLowerCase(Locale.ROOT);
        int at = e.indexOf('@');
        if (e.length() > 254 || at <= 0 || at != e.lastIndexOf('@') || at == e.length() - 1
                || e.indexOf('.', at) < 0 || e.chars().anyMatch(c -> c <= ' ')) {
            return null;
        }
        return e;
    }

    /** SHA-256 hex of the normalised email, the given hash lower-cased, or null when neither. */
    public static String emailSha256(String raw) {
        return sha256Of(raw, Pii::normaliseEmail);
    }

    /** The phone number's digits without leading zeros (E.164 without '+'), or null unless 7 to 15 digits. */
    public static String normalisePhone(String raw) {
        if (raw == null) {
            return null;
        }
        StringBuilder digits = new StringBuilder(16);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= '0' && c <= '9' && !(c == '0' && digits.isEmpty())) {
                digits.append(c);
            } else if (Character.isLetter(c)) {
                return null;
            }
        }
        return digits.length() >= 7 && digits.length() <= 15 ? digits.toString() : null;
    }

    /** SHA-256 hex of the normalised phone number, the given hash lower-cased, or null when neither. */
    public static String phoneSha256(String raw) {
        return sha256Of(raw, Pii::normalisePhone);
    }

    /** SHA-256 hex of {@code raw} as {@code normalise} writes it, the given hash lower-cased, or null when neither. */
    private static String sha256Of(String raw, UnaryOperator<String> normalise) {
        if (raw == null) {
            return null;
        }
        String s = raw.strip();
        if (isSha256Hex(s)) {
            return s.toLowerCase(Locale.ROOT);
        }
        String normalised = normalise.apply(s);
        return normalised == null ? null : sha256Hex(normalised);
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code s} ({@link Sha256#hex}). */
    public static String sha256Hex(String s) {
        return Sha256.hex(s);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
