package io.rebound.core.binary;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link BinaryWriter} wrote, method for method, from a byte array (from an offset on).
 * Pure: byte arrays only. A read past the end throws {@link IndexOutOfBoundsException}, and a value no
 * writer produces (a varint too long, a count out of range) throws {@link IllegalArgumentException};
 * codecs turn both into their own "corrupt …" error. A count or length read from the bytes is checked
 * against what remains before anything is allocated for it.
 */
public final class BinaryReader {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] buf;
    private int pos;

    public BinaryReader(byte[] buf) {
        this(buf, 0);
    }

    /** Reads {@code buf} from {@code offset} on. */
    public BinaryReader(byte[] buf, int offset) {
        this.buf = buf;
        this.pos = offset;
    }

    /** One byte, 0 to 255. */
    public int u8() {
        return buf[pos++] & 0xff;
    }

    /** One byte: any but 0 is true (as {@code DataInput.readBoolean} reads it). */
    public boolean bool() {
        return buf[pos++] != 0;
    }

    /** A varint that must be an int from 0 to {@link Integer#MAX_VALUE}: a count, a length, a tag. */
    public int varint() {
        byte first = buf[pos];
        if (first >= 0) {
            pos++;
            return first;
        }
        long v = varlong();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("varint out of range");
        }
        return (int) v;
    }

    /** An unsigned varint of up to 64 bits. */
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

    /** A signed number written by {@link BinaryWriter#zigzagVarlong}. */
    public long zigzagVarlong() {
        return unzigzag(varlong());
    }

    /** 8 bytes, little-endian. */
    public long int64LE() {
        long v = (long) LONG_LE.get(buf, pos);
        pos += 8;
        return v;
    }

    /** 2 bytes, big-endian, as an unsigned number (0 to 65,535). */
    public int uint16BE() {
        int v = (buf[pos] & 0xff) << 8 | (buf[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    /** 4 bytes, big-endian. */
    public int int32BE() {
        int v = (int) INT_BE.get(buf, pos);
        pos += 4;
        return v;
    }

    /** 8 bytes, big-endian. */
    public long int64BE() {
        long v = (long) LONG_BE.get(buf, pos);
        pos += 8;
        return v;
    }

    /** What {@link BinaryWriter#varintString} wrote. */
    public String varintString() {
        return utf8(varint());
    }

    /** What {@link BinaryWriter#varintStringOrNull} wrote. */
    public String varintStringOrNull() {
        int n = varint();
        return n == 0 ? null : utf8(n - 1);
    }

    /** What {@link BinaryWriter#int32StringOrNull} wrote. */
    public String int32StringOrNull() {
        return bool() ? utf8(int32BE()) : null;
    }

    /** What {@link BinaryWriter#int16String} wrote. */
    public String int16String() {
        return utf8(uint16BE());
    }

    /** What {@link BinaryWriter#int16ModifiedUtf8} wrote (as {@code DataInput.readUTF} reads it). */
    public String int16ModifiedUtf8() {
        int n = uint16BE();
        require(n);
        char[] out = new char[n];
        int count = 0;
        int end = pos + n;
        while (pos < end) {
            int a = buf[pos++] & 0xff;
            if (a < 0x80) {
                out[count++] = (char) a;
            } else if ((a & 0xe0) == 0xc0) {
                out[count++] = (char) ((a & 0x1f) << 6 | continuation(end));
            } else if ((a & 0xf0) == 0xe0) {
                int b = continuation(end);
                out[count++] = (char) ((a & 0x0f) << 12 | b << 6 | continuation(end));
            } else {
                throw new IllegalArgumentException("malformed modified UTF-8");
            }
        }
        return new String(out, 0, count);
    }

    private int continuation(int end) {
        if (pos >= end || (buf[pos] & 0xc0) != 0x80) {
            throw new IllegalArgumentException("malformed modified UTF-8");
        }
        return buf[pos++] & 0x3f;
    }

    /** What {@link BinaryWriter#int32Bytes} wrote. */
    public byte[] int32Bytes() {
        int n = int32BE();
        require(n);
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /** The next {@code length} bytes as UTF-8 (a length past the end throws, as {@code new String} checks it). */
    public String utf8(int length) {
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
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

    /** The index of the next byte to read. */
    public int position() {
        return pos;
    }

    /** How many bytes are left to read. */
    public int remaining() {
        return buf.length - pos;
    }

    /** Fails unless at least {@code length} bytes remain — before allocating for a count read from them. */
    public void require(int length) {
        if (length < 0 || length > buf.length - pos) {
            throw new IndexOutOfBoundsException("a length of " + length + " past the end (" + (buf.length - pos)
                    + " bytes left)");
        }
    }

    /** Moves past {@code length} bytes. */
    public void skip(int length) {
        require(length);
        pos += length;
    }

    /** The little-endian 8 bytes at {@code bytes[at..]}, as {@link BinaryWriter#int64LE} wrote them. */
    public static long int64LE(byte[] bytes, int at) {
        return (long) LONG_LE.get(bytes, at);
    }

    /** Inverts {@link BinaryWriter#zigzag}. */
    public static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
