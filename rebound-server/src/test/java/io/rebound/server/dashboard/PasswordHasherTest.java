package io.rebound.server.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {
    private final PasswordHasher cheap = new PasswordHasher(1024, 1, 1);

    @Test
    void hashesAreArgon2idPhcStringsWithTheirOwnSalt() {
        String a = cheap.hash("correct horse battery");
        String b = cheap.hash("correct horse battery");
        assertThat(a).startsWith("$argon2id$v=19$m=1024,t=1,p=1$").isNotEqualTo(b);
        assertThat(cheap.verify("correct horse battery", a)).isTrue();
        assertThat(cheap.verify("correct horse batterY", a)).isFalse();
    }

    @Test
    void defaultCostIsOwaspsArgon2idMinimum() {
        String h = PasswordHasher.DEFAULT.hash("correct horse battery");
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(PasswordHasher.DEFAULT.verify("correct horse battery", h)).isTrue();
    }

    @Test
    void verificationReadsTheCostFromTheHashAndFlagsWeakerOnesForRehash() {
        String weak = cheap.hash("correct horse battery");
        assertThat(PasswordHasher.DEFAULT.verify("correct horse battery", weak)).isTrue();
        assertThat(PasswordHasher.DEFAULT.needsRehash(weak)).isTrue();
        assertThat(PasswordHasher.DEFAULT.needsRehash(PasswordHasher.DEFAULT.hash("x".repeat(12)))).isFalse();
    }

    @Test
    void malformedHashesNeverMatch() {
        assertThat(cheap.verify("x", "")).isFalse();
        assertThat(cheap.verify("x", "$2a$10$abcdefghijklmnopqrstuv")).isFalse();
        assertThat(cheap.verify("x", null)).isFalse();
        assertThat(PasswordHasher.problem("short")).contains("at least 10");
    }
}
