package io.rebound.core.binary;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Sha256HexTest {
    private static final String LOWER = "a".repeat(32) + "0123456789abcdef".repeat(2);

    @Test
    void aDigestIsSixtyFourHexCharactersInEitherCase() {
        assertThat(Sha256Hex.isDigest(LOWER)).isTrue();
        assertThat(Sha256Hex.isDigest(LOWER.toUpperCase(java.util.Locale.ROOT))).isTrue();
        assertThat(Sha256Hex.isDigest(LOWER.substring(1))).isFalse();
        assertThat(Sha256Hex.isDigest(LOWER + "0")).isFalse();
        assertThat(Sha256Hex.isDigest(LOWER.substring(1) + "g")).isFalse();
        assertThat(Sha256Hex.isDigest(null)).isFalse();
    }

    @Test
    void theWireFormIsLowerCaseOnly() {
        assertThat(Sha256Hex.isLowerCaseDigest(LOWER)).isTrue();
        assertThat(Sha256Hex.isLowerCaseDigest(LOWER.substring(1) + "A")).isFalse();
        assertThat(Sha256Hex.isLowerCaseDigest(null)).isFalse();
    }

    @Test
    void digitsAndLettersOutsideAsciiAreNoHex() {
        // Character.digit accepts these (Arabic-Indic three, fullwidth a); a digest on the wire may not hold them.
        assertThat(Sha256Hex.isDigest(LOWER.substring(1) + "\u0663")).isFalse();
        assertThat(Sha256Hex.isDigest(LOWER.substring(1) + "\uFF41")).isFalse();
    }
}
