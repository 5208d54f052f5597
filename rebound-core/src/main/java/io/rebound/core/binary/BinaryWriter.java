package io.rebound.core.binary;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a binary record into a growable byte array: the one writer behind every format Rebound
 * stores or sends (person and visitor states, event records, topic records, storage keys). Pure:
 * byte arrays only. {@link BinaryReader} reads back everything it writes.
 *
 * <p>The formats grew up writing the same kind of value in different ways — a string after a varint
 * of its length, after a varint of its length + 1 (0 for null), after a presence byte and a 4-byte
 * length, after a 2-byte length in keys, or in {@code DataOutput}'s modified UTF-8; numbers as varints
 * or fixed-width in either byte order.
 * Data is stored in all of them, so each way is a method of its own, named after its layout, and a
 * format never changes by picking another. Varints are unsigned LEB128 (7 bits a byte, low bits
 * first); zigzag maps signed to unsigned so that small negative numbers stay short.
 */
public final class BinaryWriter {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** Strings up to this many chars are written without an intermediate array when ASCII. */
    private static final int SHORT = 16;

    private byte[] buf;
    private int size;

    public BinaryWriter() {
        this(64);
    }

    /** A writer that holds {@code capacity} bytes before it grows. */
    public BinaryWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    /** The low 8 bits of {@code b}. */
    public BinaryWriter u8(int b) {
        ensure(1);
        buf[size++] = (byte) b;
        return this;
    }

    /** One byte: 1 for true, 0 for false. */
    public BinaryWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    /** {@code bytes} as they are, without a length. */
    public BinaryWriter bytes(byte[] bytes) {
        return bytes(bytes, 0, bytes.length);
    }

    /** {@code bytes[offset..offset+length)} as they are, without a length. */
    public BinaryWriter bytes(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
        return this;
    }

    /** The 32 bits of {@code v} as an unsigned varint (1 to 5 bytes; a negative int takes 5). */
    public BinaryWriter varint(int v) {
        return varlong(v & 0xffffffffL);
    }

    /** The 64 bits of {@code v} as an unsigned varint (1 to 10 bytes). */
    public BinaryWriter varlong(long v) {
        ensure(10);
        byte[] b = buf;
        int p = size;
        while ((v & ~0x7fL) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        size = p;
        return this;
    }

    /** A signed {@code v} as the varint of its {@link #zigzag zigzag} form. */
    public BinaryWriter zigzagVarlong(long v) {
        return varlong(zigzag(v));
    }

    /** 8 bytes, little-endian. */
    public BinaryWriter int64LE(long v) {
        int at = claim(8);
        LONG_LE.set(buf, at, v);
        return this;
    }

    /** The low 40 bits of {@code v}, little-endian in 5 bytes. */
    public BinaryWriter int40LE(long v) {
        ensure(5);
        for (int i = 0; i < 5; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    /** The low 16 bits of {@code v}, big-endian. */
    public BinaryWriter int16BE(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    /** 4 bytes, big-endian (as {@code DataOutput.writeInt}). */
    public BinaryWriter int32BE(int v) {
        int at = claim(4);
        INT_BE.set(buf, at, v);
        return this;
    }

    /** 8 bytes, big-endian (as {@code DataOutput.writeLong}); as unsigned bytes they sort as the numbers of one sign do. */
    public BinaryWriter int64BE(long v) {
        int at = claim(8);
        LONG_BE.set(buf, at, v);
        return this;
    }

    /** A non-null string: varint of its UTF-8 length, then the UTF-8. */
    public BinaryWriter varintString(String s) {
        return utf8After(s, 0);
    }

    /** A string or null: varint of its UTF-8 length + 1, then the UTF-8; a single 0 for null. */
    public BinaryWriter varintStringOrNull(String s) {
        return s == null ? u8(0) : utf8After(s, 1);
    }

    /** A string or null: a presence byte (1, or 0 for null), then the 4-byte big-endian UTF-8 length and the UTF-8. */
    public BinaryWriter int32StringOrNull(String s) {
        if (s == null) {
            return u8(0);
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return u8(1).int32BE(utf8.length).bytes(utf8);
    }

    /** A non-null string of at most 65,535 UTF-8 bytes: the 2-byte big-endian UTF-8 length, then the UTF-8. */
    public BinaryWriter int16String(String s) {
        // RocksDB keys are made of these, several per event: an ASCII string is copied char by char
        // after its length, without the array getBytes would allocate.
        int n = s.length();
        if (n <= 0xffff) {
            ensure(n + 2);
            byte[] b = buf;
            int p = copyAscii(s, b, size + 2);
            if (p >= 0) {
                b[size] = (byte) (n >>> 8);
                b[size + 1] = (byte) n;
                size = p;
                return this;
            }
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0xffff) {
            throw new IllegalArgumentException("a string of " + utf8.length + " UTF-8 bytes does not fit a 2-byte length");
        }
        return int16BE(utf8.length).bytes(utf8);
    }

    /**
     * A non-null string as {@code DataOutput.writeUTF} writes it: the 2-byte big-endian length of its
     * modified UTF-8, then those bytes (at most 65,535). Modified UTF-8 writes NUL as two bytes and a
     * character beyond the BMP as its two surrogates, three bytes each.
     */
    public BinaryWriter int16ModifiedUtf8(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c != 0 && c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        if (n > 0xffff) {
            throw new IllegalArgumentException("a string of " + n + " modified UTF-8 bytes does not fit a 2-byte length");
        }
        int16BE(n);
        ensure(n);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != 0 && c < 0x80) {
                buf[size++] = (byte) c;
            } else if (c < 0x800) {
                buf[size++] = (byte) (0xc0 | c >> 6);
                buf[size++] = (byte) (0x80 | c & 0x3f);
            } else {
                buf[size++] = (byte) (0xe0 | c >> 12);
                buf[size++] = (byte) (0x80 | c >> 6 & 0x3f);
                buf[size++] = (byte) (0x80 | c & 0x3f);
            }
        }
        return this;
    }

    /** {@code bytes} after their 4-byte big-endian length. */
    public BinaryWriter int32Bytes(byte[] bytes) {
        return int32BE(bytes.length).bytes(bytes);
    }

    /**
     * Copies {@code s} to {@code b} from {@code p} if every char is ASCII (one byte each, room already
     * ensured): the end position, or -1 when a char is not, and the caller encodes UTF-8 instead.
     */
    private static int copyAscii(String s, byte[] b, int p) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return -1;
            }
            b[p++] = (byte) c;
        }
        return p;
    }

    /**
     * The UTF-8 of {@code s} after a varint of its length + {@code extra}. Ids are short and ASCII: one
     * of at most {@value #SHORT} chars is copied char by char, without an intermediate array; a longer
     * one goes through {@link String#getBytes}, which copies a whole ASCII string at once.
     */
    private BinaryWriter utf8After(String s, int extra) {
        int n = s.length();
        if (n <= SHORT) {
            ensure(n + 1);
            buf[size] = (byte) (n + extra);
            int p = copyAscii(s, buf, size + 1);
            if (p >= 0) {
                size = p;
                return this;
            }
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return varint(utf8.length + extra).bytes(utf8);
    }

    /** Empties the writer, keeping its capacity. */
    public void clear() {
        size = 0;
    }

    /** The bytes written so far are {@code array()[0..size())}; the array is the writer's own, not a copy. */
    public byte[] array() {
        return buf;
    }

    /** How many bytes were written. */
    public int size() {
        return size;
    }

    /** How many bytes it holds before it grows. */
    public int capacity() {
        return buf.length;
    }

    /** A copy of the bytes written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Zigzag: 0, -1, 1, -2, … become 0, 1, 2, 3, …; {@link BinaryReader#unzigzag} inverts it. */
    public static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    /** Makes room for {@code n} bytes and moves past them; returns where they start (read {@code buf} after). */
    private int claim(int n) {
        ensure(n);
        int at = size;
        size += n;
        return at;
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }
}
