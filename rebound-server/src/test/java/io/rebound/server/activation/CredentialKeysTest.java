package io.rebound.server.activation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialKeysTest {

    @TempDir
    Path dir;

    @Test
    void theKeyringFileIsCreatedOwnerOnlyAndDecryptsWhatItEncrypted() throws Exception {
        CredentialKeys keys = CredentialKeys.inDirectory(dir);
        Path file = dir.resolve(CredentialKeys.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String sealed = keys.encrypt("EAAB-secret-token", "st_1/ds_1");
        assertThat(sealed).startsWith("v1:" + keys.activeKeyId() + ":").doesNotContain("secret");
        assertThat(keys.decrypt(sealed, "st_1/ds_1")).isEqualTo("EAAB-secret-token");
        assertThat(keys.encrypt("EAAB-secret-token", "st_1/ds_1")).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThat(CredentialKeys.inDirectory(dir).decrypt(sealed, "st_1/ds_1")).as("the same file, read again")
                .isEqualTo("EAAB-secret-token");
    }

    @Test
    void aCiphertextIsBoundToItsRowAndToItsBytes() {
        CredentialKeys keys = CredentialKeys.inDirectory(dir);
        String sealed = keys.encrypt("token", "st_1/ds_1");
        assertThatThrownBy(() -> keys.decrypt(sealed, "st_2/ds_1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not authenticate");
        byte[] raw = Base64.getDecoder().decode(sealed.substring(sealed.lastIndexOf(':') + 1));
        raw[raw.length - 1] ^= 1;
        String tampered = sealed.substring(0, sealed.lastIndexOf(':') + 1) + Base64.getEncoder().encodeToString(raw);
        assertThatThrownBy(() -> keys.decrypt(tampered, "st_1/ds_1")).hasMessageContaining("does not authenticate");
        assertThatThrownBy(() -> CredentialKeys.parse("other:" + Base64.getEncoder().encodeToString(new byte[32]))
                .decrypt(sealed, "st_1/ds_1")).hasMessageContaining("not in this server's keyring");
    }

    @Test
    void rotationPutsANewKeyFirstAndKeepsTheOldOnesForDecryption() {
        CredentialKeys before = CredentialKeys.inDirectory(dir);
        String old = before.encrypt("token", "ctx");
        String added = CredentialKeys.rotate(dir);
        CredentialKeys after = CredentialKeys.inDirectory(dir);
        assertThat(after.activeKeyId()).isEqualTo(added).isNotEqualTo(before.activeKeyId());
        assertThat(after.decrypt(old, "ctx")).isEqualTo("token");
        assertThat(CredentialKeys.keyIdOf(after.encrypt("token", "ctx"))).isEqualTo(added);
    }

    @Test
    void aConfiguredKeyringIsCheckedEntryByEntry() {
        String k = Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(CredentialKeys.parse("a:" + k + ", b:" + k).activeKeyId()).isEqualTo("a");
        assertThatThrownBy(() -> CredentialKeys.parse("a:" + Base64.getEncoder().encodeToString(new byte[16])))
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> CredentialKeys.parse("nokey")).hasMessageContaining("id:base64key");
        assertThatThrownBy(() -> CredentialKeys.parse("a:" + k + ",a:" + k)).hasMessageContaining("twice");
        assertThatThrownBy(() -> CredentialKeys.parse("a:***")).hasMessageContaining("not base64");
    }
}
