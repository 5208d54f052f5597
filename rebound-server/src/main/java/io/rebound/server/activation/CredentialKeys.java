package io.rebound.server.activation;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keyring that encrypts destination credentials at rest: AES-256-GCM, a fresh 96-bit nonce per
 * ciphertext, and the store and destination ids as associated data, so a ciphertext copied to another
 * row does not decrypt. A ciphertext reads {@code v1:{key id}:{base64(nonce ‖ ciphertext ‖ tag)}}.
 * <p>
 * The first key encrypts; every key decrypts. Keys come from configuration ({@code credentials-keys}:
 * {@code id:base64key,id2:base64key}, which every node of a cluster must share) or from the file
 * {@value #FILE} in the data directory, created with permissions 0600 on first use. Rotating puts a new
 * key first; the server then re-encrypts every destination under it ({@code Destinations.reencrypt}),
 * after which the old key can be removed.
 */
public final class CredentialKeys {
    /** The keyring file in the data directory, one {@code id base64key} per line, the active key first. */
    public static final String FILE = "credentials.keys";
    private static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKeySpec> keys;
    private final String active;

    private CredentialKeys(Map<String, SecretKeySpec> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a credentials keyring needs at least one key");
        }
        this.keys = Map.copyOf(keys);
        this.active = keys.keySet().iterator().next();
    }

    /** The configured keyring: {@code id:base64key[,id:base64key…]}, the first active; each key 32 bytes. */
    public static CredentialKeys parse(String spec) {
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        for (String part : Objects.requireNonNull(spec, "spec").split(",")) {
            String p = part.strip();
            int colon = p.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("credentials-keys: each entry is id:base64key, got '"
                        + (p.length() > 12 ? p.substring(0, 12) + "…" : p) + "'");
            }
            add(keys, p.substring(0, colon), p.substring(colon + 1));
        }
        return new CredentialKeys(keys);
    }

    private static void add(Map<String, SecretKeySpec> keys, String id, String base64) {
        if (!id.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("credentials key id must be 1 to 32 of [A-Za-z0-9_-], got '" + id + "'");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("credentials key '" + id + "' is not base64");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("credentials key '" + id + "' must be 32 bytes (AES-256), got " + key.length);
        }
        if (keys.putIfAbsent(id, new SecretKeySpec(key, "AES")) != null) {
            throw new IllegalArgumentException("credentials key id '" + id + "' appears twice");
        }
    }

    /** The keyring in {@code dataDir}/{@value #FILE}, created (0600, one new key) when absent. */
    public static CredentialKeys inDirectory(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                write(file, List.of(newKeyLine()), false);
            }
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the credentials keyring " + file, e);
        }
    }

    /**
     * Puts a new key first in {@code dataDir}/{@value #FILE} (created if absent) and returns its id. The
     * next start encrypts with it and re-encrypts what the older keys hold.
     */
    public static String rotate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            List<String> lines = new ArrayList<>();
            String line = newKeyLine();
            lines.add(line);
            if (Files.exists(file)) {
                lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList());
            }
            write(file, lines, true);
            return line.substring(0, line.indexOf(' '));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rotate the credentials keyring " + file, e);
        }
    }

    private static CredentialKeys read(Path file) throws IOException {
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(file + ": each line is 'id base64key'");
            }
            add(keys, parts[0], parts[1]);
        }
        return new CredentialKeys(keys);
    }

    private static String newKeyLine() {
        byte[] id = new byte[4];
        byte[] key = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(key);
        return "k" + HexFormat.of().formatHex(id) + " " + Base64.getEncoder().encodeToString(key);
    }

    /** Writes {@code lines} to {@code file} readable by its owner only; replaces it atomically when asked. */
    private static void write(Path file, List<String> lines, boolean replace) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.write(tmp, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        if (replace) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The id of the key that encrypts. */
    public String activeKeyId() {
        return active;
    }

    /** The key id a ciphertext was written with. */
    public static String keyIdOf(String ciphertext) {
        String[] parts = ciphertext.split(":", 3);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("not a Rebound credentials ciphertext");
        }
        return parts[1];
    }

    /** Encrypts {@code plaintext} under the active key, bound to {@code context} (e.g. the store and destination ids). */
    public String encrypt(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.get(active), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return VERSION + ":" + active + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * Decrypts what {@link #encrypt} wrote with the same {@code context}.
     *
     * @throws IllegalStateException when the key is not in the keyring, or the ciphertext was altered or
     *                               belongs to another context
     */
    public String decrypt(String ciphertext, String context) {
        String kid = keyIdOf(ciphertext);
        SecretKeySpec key = keys.get(kid);
        if (key == null) {
            throw new IllegalStateException("credentials were encrypted with key '" + kid
                    + "', which is not in this server's keyring (credentials-keys or " + FILE + ")");
        }
        byte[] in = Base64.getDecoder().decode(ciphertext.substring(ciphertext.indexOf(':', 3) + 1));
        if (in.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("credentials ciphertext is truncated");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("credentials ciphertext does not authenticate (altered, or another row's)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }
}
