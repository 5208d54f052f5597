package io.rebound.server.audience;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipStore.LoggedChange;
import io.rebound.server.runtime.Keys;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Key layouts of {@link AudienceColumns} and the small value codecs, in one place. */
final class AudienceKeys {
    static final byte[] OFFSET = "offset".getBytes(StandardCharsets.UTF_8);

    private AudienceKeys() {
    }

    static byte[] person(String store, String person) {
        return Keys.key().str(store).str(person).build();
    }

    static byte[] store(String store) {
        return Keys.key().str(store).build();
    }

    static byte[] identity(String store, String idKey) {
        return Keys.key().str(store).str(idKey).build();
    }

    static byte[] timer(long due, String store, String person) {
        return Keys.key().i64(due).str(store).str(person).build();
    }

    static byte[] segment(String store, String segment) {
        return Keys.key().str(store).str(segment).build();
    }

    static byte[] member(String store, String segment, String person) {
        return Keys.key().str(store).str(segment).str(person).build();
    }

    static byte[] change(String store, String segment, long sequence) {
        return Keys.key().str(store).str(segment).i64(sequence).build();
    }

    static byte[] size(String store, String segment, long at) {
        return Keys.key().str(store).str(segment).i64(at).build();
    }

    static byte[] activity(String store, String visitor) {
        return Keys.key().str(store).str(visitor).build();
    }

    static byte[] sequence(String store) {
        return Keys.key().str("seq").str(store).build();
    }

    static byte[] deleting(String store, String segment) {
        return Keys.key().str("deleting").str(store).str(segment).build();
    }

    static byte[] deletingPrefix() {
        return Keys.key().str("deleting").build();
    }

    /** Reads the length-prefixed strings and 8-byte numbers of a key, in order. */
    static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] key) {
            this.buf = ByteBuffer.wrap(key);
        }

        String str() {
            int n = buf.getShort() & 0xFFFF;
            byte[] b = new byte[n];
            buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        long i64() {
            return buf.getLong();
        }
    }

    static byte[] i64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long i64(byte[] b) {
        return b == null ? 0 : ByteBuffer.wrap(b).getLong();
    }

    static byte[] encodeChange(MembershipChange c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(c.kind() == MembershipChange.Kind.JOINED ? 1 : 0);
            out.writeLong(c.at().toEpochMilli());
            out.writeUTF(c.personId());
            out.writeUTF(c.reason().length() > 2000 ? c.reason().substring(0, 2000) : c.reason());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A change from its key (store, segment, sequence) and value. */
    static LoggedChange decodeChange(byte[] key, byte[] value) {
        Reader k = new Reader(key);
        String store = k.str();
        String segment = k.str();
        long seq = k.i64();
        ByteBuffer v = ByteBuffer.wrap(value);
        MembershipChange.Kind kind = v.get() == 1 ? MembershipChange.Kind.JOINED : MembershipChange.Kind.LEFT;
        Instant at = Instant.ofEpochMilli(v.getLong());
        String person = utf(v);
        String reason = utf(v);
        return new LoggedChange(seq, new MembershipChange(store, segment, person, kind, at, reason));
    }

    private static String utf(ByteBuffer v) {
        int n = v.getShort() & 0xFFFF;
        byte[] b = new byte[n];
        v.get(b);
        // DataOutput's modified UTF-8 equals UTF-8 for everything but NUL and supplementary chars.
        try {
            return new java.io.DataInputStream(new java.io.ByteArrayInputStream(
                    ByteBuffer.allocate(2 + n).putShort((short) n).put(b).array())).readUTF();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
