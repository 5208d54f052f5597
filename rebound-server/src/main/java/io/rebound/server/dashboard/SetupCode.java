package io.rebound.server.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * The one-time code that lets someone create the first dashboard account when the server has no
 * admin token to ask for: 100 random bits, printed once in the server's log at start while no user
 * exists, valid until the first account is created (or the process stops: the next start prints a
 * new one). Being on the same host is not proof of anything — a reverse proxy on the same machine
 * makes every visitor look like 127.0.0.1 — so the code, not the address, is the proof.
 */
final class SetupCode {
    /** No 0/O or 1/I/L: it is read off a console and typed. */
    private static final char[] ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private volatile String code;

    /** Makes a fresh code and returns it for printing; earlier codes stop working. */
    synchronized String open() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            if (i > 0 && i % 5 == 0) {
                b.append('-');
            }
            b.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        code = b.toString();
        return code;
    }

    /** Whether {@code presented} is the open code (case, spaces and dashes do not matter). */
    boolean matches(String presented) {
        String expected = code;
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(normal(presented).getBytes(StandardCharsets.UTF_8),
                normal(expected).getBytes(StandardCharsets.UTF_8));
    }

    /** The first account exists: no code is valid any more. */
    void close() {
        code = null;
    }

    boolean isOpen() {
        return code != null;
    }

    private static String normal(String s) {
        return s.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
    }
}
