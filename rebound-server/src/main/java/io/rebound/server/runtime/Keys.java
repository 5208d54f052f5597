package io.rebound.server.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary key layouts for RocksDB. Strings are length-prefixed so that no id can forge another
 * store's prefix; numbers are big-endian so byte order equals numeric order.
 */
public final class Keys {
    private Keys() {
    }

    /** A builder for a key made of length-prefixed strings and fixed-width numbers. */
    public static final class Builder {
        private ByteBuffer buf = ByteBuffer.allocate(64);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        public Builder str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ensure(2 + b.length);
            buf.putShort((short) b.length).put(b);
            return this;
        }

        public Builder i64(long v) {
            ensure(8);
            buf.putLong(v);
            return this;
        }

        public byte[] build() {
            byte[] out = new byte[buf.position()];
            buf.flip();
            buf.get(out);
            return out;
        }
    }

    public static Builder key() {
        return new Builder();
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

    /** A 64-bit FNV-1a hash of a string, for compact event-id keys. */
    public static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
