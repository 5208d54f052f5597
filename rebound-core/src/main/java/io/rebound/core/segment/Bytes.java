package io.rebound.core.segment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with varint helpers, and its reader. Internal to the state codecs
 * ({@link VisitorStateCodec}, {@code PersonStateCodec}); not a general-purpose API.
 */
public final class Bytes {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] buf;
    private int size;

    public Bytes() {
        this(64);
    }

    /** A buffer that holds {@code capacity} bytes before it grows. */
    public Bytes(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    public void write(byte[] bytes, int length) {
        write(bytes, 0, length);
    }

    public void write(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
    }

    /** {@code s} as varint length + UTF-8 (ids are ASCII: written as they are, without an intermediate array). */
    public void string(String s) {
        int n = s.length();
        if (n < 0x80 && isAscii(s)) {
            ensure(n + 1);
            buf[size++] = (byte) n;
            for (int i = 0; i < n; i++) {
                buf[size++] = (byte) s.charAt(i);
            }
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        varint(utf8.length);
        write(utf8, utf8.length);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    public void varint(int v) {
        varlong(v & 0xffffffffL);
    }

    public void varlong(long v) {
        while ((v & ~0x7fL) != 0) {
            write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        write((int) v);
    }

    public void fixed64(long v) {
        ensure(8);
        LONG_LE.set(buf, size, v);
        size += 8;
    }

    /** Empties the buffer, keeping its capacity. */
    public void clear() {
        size = 0;
    }

    /** The little-endian 8 bytes at {@code bytes[at..]}, as {@link #fixed64} wrote them. */
    public static long fixed64(byte[] bytes, int at) {
        return (long) LONG_LE.get(bytes, at);
    }

    /** The low 40 bits of {@code v}, little-endian in 5 bytes. */
    public void fixed40(long v) {
        for (int i = 0; i < 5; i++) {
            write((int) (v >>> (8 * i)));
        }
    }

    public byte[] array() {
        return buf;
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    /** Reads what {@link Bytes} wrote; throws IndexOutOfBoundsException past the end. */
    public static final class Reader {
        private final byte[] buf;
        private int pos;

        public Reader(byte[] buf) {
            this(buf, 0);
        }

        /** Reads {@code buf} from {@code offset} on. */
        public Reader(byte[] buf, int offset) {
            this.buf = buf;
            this.pos = offset;
        }

        public int read() {
            return buf[pos++] & 0xff;
        }

        public int varint() {
            long v = varlong();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("varint out of range");
            }
            return (int) v;
        }

        public long varlong() {
            byte[] b = buf;
            int p = pos;
            long x = b[p];
            if (x >= 0) {
                pos = p + 1;
                return x;
            }
            long v = x & 0x7f;
            for (int shift = 7; shift < 64; shift += 7) {
                x = b[++p];
                v |= (x & 0x7f) << shift;
                if (x >= 0) {
                    pos = p + 1;
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        public long fixed64() {
            long v = Bytes.fixed64(buf, pos);
            pos += 8;
            return v;
        }

        /** The index of the next byte to read. */
        public int position() {
            return pos;
        }

        /** Fails unless at least {@code length} bytes remain — before allocating for a count read from them. */
        public void require(int length) {
            if (length < 0 || pos + length > buf.length) {
                throw new IndexOutOfBoundsException("count past the end");
            }
        }

        public void skip(int length) {
            if (length < 0 || pos + length > buf.length) {
                throw new IndexOutOfBoundsException("skip past the end");
            }
            pos += length;
        }

        /** Whether the next {@code length} bytes are the UTF-8 of {@code s}, which is ASCII; reads nothing. */
        public boolean isAscii(String s, int length) {
            if (length != s.length() || pos + length > buf.length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (buf[pos + i] != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        public String utf8(int length) {
            String s = new String(buf, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }
    }
}
