package io.rebound.server.audience;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.server.runtime.Keys;

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

    /**
     * The last person key built, for the writer thread. Each event reads its person's state, writes it
     * back and sets the person's timer, and each of those wanted the same key: built once instead of three
     * times (the three builds were about 7 % of the writer's samples). Not thread-safe; the key it returns
     * is shared, and no one writes into a key.
     */
    static final class LastPersonKey {
        private String store;
        private String person;
        private byte[] key;

        byte[] of(String store, String person) {
            if (!person.equals(this.person) || !store.equals(this.store)) {
                this.key = person(store, person);
                this.store = store;
                this.person = person;
            }
            return key;
        }
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
        private final BinaryReader in;

        Reader(byte[] key) {
            this.in = new BinaryReader(key);
        }

        String str() {
            return in.int16String();
        }

        long i64() {
            return in.int64BE();
        }
    }

    static byte[] i64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long i64(byte[] b) {
        return b == null ? 0 : ByteBuffer.wrap(b).getLong();
    }

    /**
     * A change-log value: kind (1 joined, 0 left), the instant as 8 bytes, then person and reason (cut to
     * 2,000 characters) in {@code DataOutput}'s modified UTF-8, which is how the first values were written.
     */
    static byte[] encodeChange(MembershipChange c) {
        return new BinaryWriter(64).u8(c.kind() == MembershipChange.Kind.JOINED ? 1 : 0).int64BE(c.at().toEpochMilli())
                .int16ModifiedUtf8(c.personId())
                .int16ModifiedUtf8(c.reason().length() > 2000 ? c.reason().substring(0, 2000) : c.reason())
                .toByteArray();
    }

    /** A change from its key (store, segment, sequence) and value. */
    static LoggedChange decodeChange(byte[] key, byte[] value) {
        Reader k = new Reader(key);
        String store = k.str();
        String segment = k.str();
        long seq = k.i64();
        BinaryReader v = new BinaryReader(value);
        MembershipChange.Kind kind = v.u8() == 1 ? MembershipChange.Kind.JOINED : MembershipChange.Kind.LEFT;
        Instant at = Instant.ofEpochMilli(v.int64BE());
        String person = v.int16ModifiedUtf8();
        String reason = v.int16ModifiedUtf8();
        return new LoggedChange(seq, new MembershipChange(store, segment, person, kind, at, reason));
    }
}
