package io.rebound.server.runtime;

import io.rebound.core.binary.BinaryWriter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary key layouts for RocksDB. Strings are length-prefixed (2 bytes, {@link BinaryWriter#int16String})
 * so that no id can forge another store's prefix; numbers are big-endian so byte order equals numeric
 * order.
 */
public final class Keys {
    private Keys() {
    }

    /**
     * A builder for a key made of length-prefixed strings and fixed-width numbers. It writes into its
     * thread's scratch buffer and {@link #build} copies out exactly the key: the audience runtime's
     * writer builds several keys per event, and a buffer of its own per key was a tenth of what that
     * thread allocated. A builder is used within one expression ({@code Keys.key().str(a).str(b).build()});
     * one used after {@link Keys#key()} was called again on its thread fails instead of mixing two keys.
     */
    public static final class Builder {
        private final Scratch scratch;
        private final long generation;

        private Builder(Scratch scratch, long generation) {
            this.scratch = scratch;
            this.generation = generation;
        }

        private BinaryWriter out() {
            if (scratch.generation != generation) {
                throw new IllegalStateException("a key builder used after another was started on its thread");
            }
            return scratch.out;
        }

        /** A string of at most 65,535 UTF-8 bytes, after its 2-byte length. */
        public Builder str(String s) {
            out().int16String(s);
            return this;
        }

        /** 8 bytes, big-endian. */
        public Builder i64(long v) {
            out().int64BE(v);
            return this;
        }

        public byte[] build() {
            return out().toByteArray();
        }
    }

    /** A thread's buffer for the key it is building, and which builder owns it. */
    private static final class Scratch {
        final BinaryWriter out = new BinaryWriter(128);
        long generation;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    public static Builder key() {
        Scratch s = SCRATCH.get();
        s.out.clear();
        return new Builder(s, ++s.generation);
    }

    /** Reads a length-prefixed string written by {@link Builder#str}. */
    public static String readStr(ByteBuffer key) {
        byte[] b = new byte[key.getShort() & 0xFFFF];
        key.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Moves past a length-prefixed string written by {@link Builder#str}. */
    public static void skipStr(ByteBuffer key) {
        int n = key.getShort() & 0xFFFF;
        key.position(key.position() + n);
    }

    /** Smallest key greater than every key starting with {@code prefix}. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                byte[] trimmed = new byte[i + 1];
                System.arraycopy(end, 0, trimmed, 0, i + 1);
                return trimmed;
            }
        }
        return null;
    }

}
