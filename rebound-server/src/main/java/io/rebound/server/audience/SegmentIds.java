package io.rebound.server.audience;

import java.security.SecureRandom;

/** Fresh segment ids: {@code sg_} and 16 random base-62 characters. */
final class SegmentIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private SegmentIds() {
    }

    static String newId() {
        StringBuilder b = new StringBuilder("sg_");
        for (int i = 0; i < 16; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
