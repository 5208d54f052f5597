package io.rebound.core.segment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with varint helpers, and its reader; internal to the codecs. */
final class Bytes {
    private byte[] buf = new byte[64];
    private int size;

    void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    void write(byte[] bytes, int length) {
        ensure(length);
        System.arraycopy(bytes, 0, buf, size, length);
        size += length;
    }

    void varint(int v) {
        varlong(v & 0xffffffffL);
    }

    void varlong(long v) {
        while ((v & ~0x7fL) != 0) {
            write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        write((int) v);
    }

    void fixed64(long v) {
        for (int i = 0; i < 8; i++) {
            write((int) (v >>> (8 * i)));
        }
    }

    byte[] array() {
        return buf;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    /** Reads what {@link Bytes} wrote; throws IndexOutOfBoundsException past the end. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int read() {
            return buf[pos++] & 0xff;
        }

        int varint() {
            long v = varlong();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("varint out of range");
            }
            return (int) v;
        }

        long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = read();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) read() << (8 * i);
            }
            return v;
        }

        String utf8(int length) {
            String s = new String(buf, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }
    }
}
