package io.rebound.core.binary;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The writer's layouts, byte for byte, and the reader reading each back (or failing clearly). */
class BinaryWriterTest {

    private static String hex(BinaryWriter w) {
        return HexFormat.of().formatHex(w.toByteArray());
    }

    private static BinaryReader reader(String hex) {
        return new BinaryReader(HexFormat.of().parseHex(hex));
    }

    @Test
    void varintsTakeSevenBitsAByteLowBitsFirst() {
        assertThat(hex(new BinaryWriter().varint(0).varint(127).varint(128).varint(300))).isEqualTo("007f8001ac02");
        assertThat(hex(new BinaryWriter().varint(-1))).isEqualTo("ffffffff0f");
        assertThat(hex(new BinaryWriter().varlong(-1))).isEqualTo("ffffffffffffffffff01");
        assertThat(hex(new BinaryWriter().varlong(Long.MAX_VALUE))).isEqualTo("ffffffffffffffff7f");
        BinaryReader in = reader("007f8001ac02ffffffffffffffffff01");
        assertThat(List.of(in.varint(), in.varint(), in.varint(), in.varint())).containsExactly(0, 127, 128, 300);
        assertThat(in.varlong()).isEqualTo(-1);
        assertThat(in.remaining()).isZero();
    }

    @Test
    void zigzagKeepsSmallNegativeNumbersShort() {
        assertThat(List.of(BinaryWriter.zigzag(0), BinaryWriter.zigzag(-1), BinaryWriter.zigzag(1), BinaryWriter.zigzag(-2)))
                .containsExactly(0L, 1L, 2L, 3L);
        assertThat(BinaryWriter.zigzag(Long.MIN_VALUE)).isEqualTo(-1L);
        assertThat(hex(new BinaryWriter().zigzagVarlong(-1000))).isEqualTo("cf0f");
        assertThat(reader("cf0f").zigzagVarlong()).isEqualTo(-1000);
    }

    @Property(tries = 300)
    void int16StringIsTheLengthThenTheUtf8(@ForAll String s, @ForAll boolean afterOtherBytes) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        BinaryWriter w = new BinaryWriter(16);
        if (afterOtherBytes) {
            w.u8(7);
        }
        byte[] written = w.int16String(s).toByteArray();
        BinaryWriter expected = new BinaryWriter(16);
        if (afterOtherBytes) {
            expected.u8(7);
        }
        assertThat(written).isEqualTo(expected.int16BE(utf8.length).bytes(utf8).toByteArray());
    }

    @Property(tries = 300)
    void zigzagInvertsForEveryLong(@ForAll long v) {
        assertThat(BinaryReader.unzigzag(BinaryWriter.zigzag(v))).isEqualTo(v);
        assertThat(new BinaryReader(new BinaryWriter().zigzagVarlong(v).toByteArray()).zigzagVarlong()).isEqualTo(v);
        assertThat(new BinaryReader(new BinaryWriter().varlong(v).toByteArray()).varlong()).isEqualTo(v);
    }

    @Test
    void fixedWidthNumbersHaveTheByteOrderTheirNameSays() {
        long v = 0x0102030405060708L;
        assertThat(hex(new BinaryWriter().int64LE(v))).isEqualTo("0807060504030201");
        assertThat(hex(new BinaryWriter().int64BE(v))).isEqualTo("0102030405060708");
        assertThat(hex(new BinaryWriter().int40LE(v))).isEqualTo("0807060504");
        assertThat(hex(new BinaryWriter().int32BE(0x01020304))).isEqualTo("01020304");
        assertThat(hex(new BinaryWriter().int16BE(0xfffe))).isEqualTo("fffe");
        assertThat(hex(new BinaryWriter().u8(0x1ff).bool(true).bool(false))).isEqualTo("ff0100");
        BinaryReader in = reader("08070605040302010102030405060708fffe01020304ff0102");
        assertThat(in.int64LE()).isEqualTo(v);
        assertThat(in.int64BE()).isEqualTo(v);
        assertThat(in.uint16BE()).isEqualTo(0xfffe);
        assertThat(in.int32BE()).isEqualTo(0x01020304);
        assertThat(in.u8()).isEqualTo(0xff);
        assertThat(in.bool()).isTrue();
        assertThat(in.bool()).as("any byte but 0 reads as true").isTrue();
        assertThat(BinaryReader.int64LE(HexFormat.of().parseHex("ff0807060504030201"), 1)).isEqualTo(v);
    }

    @Test
    void eachStringLayoutIsItsOwn() {
        assertThat(hex(new BinaryWriter().varintString("hé").varintString(""))).isEqualTo("0368c3a900");
        assertThat(hex(new BinaryWriter().varintStringOrNull("hé").varintStringOrNull("").varintStringOrNull(null)))
                .isEqualTo("0468c3a90100");
        assertThat(hex(new BinaryWriter().int32StringOrNull("hé").int32StringOrNull(null))).isEqualTo("010000000368c3a900");
        assertThat(hex(new BinaryWriter().int16String("hé"))).isEqualTo("000368c3a9");
        assertThat(hex(new BinaryWriter().int32Bytes(new byte[]{7, 8}))).isEqualTo("000000020708");

        BinaryReader in = reader("0368c3a900" + "0468c3a90100" + "010000000368c3a900" + "000368c3a9" + "000000020708");
        assertThat(in.varintString()).isEqualTo("hé");
        assertThat(in.varintString()).isEmpty();
        assertThat(in.varintStringOrNull()).isEqualTo("hé");
        assertThat(in.varintStringOrNull()).isEmpty();
        assertThat(in.varintStringOrNull()).isNull();
        assertThat(in.int32StringOrNull()).isEqualTo("hé");
        assertThat(in.int32StringOrNull()).isNull();
        assertThat(in.int16String()).isEqualTo("hé");
        assertThat(in.int32Bytes()).containsExactly(7, 8);
        assertThat(in.remaining()).isZero();
    }

    /** Short ASCII strings are copied char by char, others through their UTF-8 array: the bytes are the same. */
    @Test
    void shortAsciiStringsAndOthersHaveTheSameLayout() {
        for (int n : new int[]{0, 1, 15, 16, 17, 125, 126, 127, 128, 300}) {
            String ascii = "a".repeat(n);
            String wide = "a".repeat(Math.max(0, n - 1)) + "é";
            byte[] plain = new BinaryWriter().varintString(ascii).toByteArray();
            byte[] expected = new BinaryWriter().varint(n).bytes(ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .toByteArray();
            assertThat(plain).as("%d ASCII chars", n).isEqualTo(expected);
            byte[] orNull = new BinaryWriter().varintStringOrNull(ascii).toByteArray();
            assertThat(orNull).as("%d ASCII chars or null", n).isEqualTo(
                    new BinaryWriter().varint(n + 1).bytes(ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                            .toByteArray());
            BinaryReader in = new BinaryReader(new BinaryWriter().varintString(ascii).varintStringOrNull(wide)
                    .int32StringOrNull(wide).int16String(wide).toByteArray());
            assertThat(List.of(in.varintString(), in.varintStringOrNull(), in.int32StringOrNull(), in.int16String()))
                    .containsExactly(ascii, wide, wide, wide);
        }
    }

    @Test
    void aWriterGrowsAndCanBeReused() {
        BinaryWriter w = new BinaryWriter(1);
        for (int i = 0; i < 1000; i++) {
            w.int64BE(i);
        }
        assertThat(w.size()).isEqualTo(8000);
        BinaryReader in = new BinaryReader(w.toByteArray(), 8 * 999);
        assertThat(in.int64BE()).isEqualTo(999);
        w.clear();
        assertThat(w.size()).isZero();
        assertThat(hex(w.u8(5))).isEqualTo("05");
        assertThat(w.array().length).isGreaterThanOrEqualTo(8000);
    }

    /** Random sequences of every kind of value read back as written. */
    @Property(tries = 200)
    void everythingWrittenReadsBack(@ForAll long seed) {
        Random r = new Random(seed);
        BinaryWriter w = new BinaryWriter(r.nextInt(32));
        List<Object> written = new ArrayList<>();
        List<Integer> kinds = new ArrayList<>();
        for (int i = r.nextInt(40); i > 0; i--) {
            int kind = r.nextInt(12);
            kinds.add(kind);
            long n = r.nextLong() >> r.nextInt(64);
            String s = r.nextInt(5) == 0 ? null : randomString(r);
            switch (kind) {
                case 0 -> written.add(w.u8((int) n) == w ? (int) n & 0xff : null);
                case 1 -> written.add(w.varint((int) n & Integer.MAX_VALUE) == w ? (int) n & Integer.MAX_VALUE : null);
                case 2 -> written.add(w.varlong(n) == w ? n : null);
                case 3 -> written.add(w.zigzagVarlong(n) == w ? n : null);
                case 4 -> written.add(w.int64LE(n) == w ? n : null);
                case 5 -> written.add(w.int64BE(n) == w ? n : null);
                case 6 -> written.add(w.int32BE((int) n) == w ? (int) n : null);
                case 7 -> written.add(w.int16BE((int) n) == w ? (int) n & 0xffff : null);
                case 8 -> written.add(w.varintString(s == null ? "" : s) == w ? (s == null ? "" : s) : null);
                case 9 -> written.add(w.varintStringOrNull(s) == w ? s : null);
                case 10 -> written.add(w.int32StringOrNull(s) == w ? s : null);
                default -> written.add(w.int16String(s == null ? "" : s) == w ? (s == null ? "" : s) : null);
            }
        }
        BinaryReader in = new BinaryReader(w.toByteArray());
        List<Object> read = new ArrayList<>();
        for (int kind : kinds) {
            read.add(switch (kind) {
                case 0 -> in.u8();
                case 1 -> in.varint();
                case 2 -> in.varlong();
                case 3 -> in.zigzagVarlong();
                case 4 -> in.int64LE();
                case 5 -> in.int64BE();
                case 6 -> in.int32BE();
                case 7 -> in.uint16BE();
                case 8 -> in.varintString();
                case 9 -> in.varintStringOrNull();
                case 10 -> in.int32StringOrNull();
                default -> in.int16String();
            });
        }
        assertThat(read).isEqualTo(written);
        assertThat(in.remaining()).isZero();
    }

    private static String randomString(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(r.nextBoolean() ? 10 : 200); i > 0; i--) {
            int kind = r.nextInt(10);
            b.appendCodePoint(kind < 7 ? 0x20 + r.nextInt(0x5f) : kind < 9 ? 0xa0 + r.nextInt(0x700) : 0x1f600 + r.nextInt(0x40));
        }
        return b.toString();
    }

    @Test
    void aReaderFailsClearlyOnBytesNoWriterWrote() {
        assertThatThrownBy(() -> reader("0102").int64BE()).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> reader("80").varlong()).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> reader("ffffffffffffffffffff01").varlong()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
        assertThatThrownBy(() -> reader("8080808008").varint()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> reader("0568").varintString()).isInstanceOf(IndexOutOfBoundsException.class);
        // A huge length fails before anything is allocated for it.
        assertThatThrownBy(() -> reader("7fffffff00").int32Bytes()).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("past the end");
        assertThatThrownBy(() -> reader("01ffffffff").int32StringOrNull()).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> reader("00").skip(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new BinaryWriter().int16String("x".repeat(65_536)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isAsciiComparesWithoutReading() {
        BinaryReader in = reader("0373742d31");
        in.u8();
        assertThat(in.isAscii("st-", 3)).isTrue();
        assertThat(in.isAscii("st-", 2)).isFalse();
        assertThat(in.isAscii("sx-", 3)).isFalse();
        assertThat(in.isAscii("st-1x", 5)).isFalse();
        assertThat(in.position()).isEqualTo(1);
    }

    /** Modified UTF-8 is {@code DataOutput.writeUTF}'s: checked against the JDK's own, both ways. */
    @Property(tries = 300)
    void modifiedUtf8IsWhatDataOutputWrites(@ForAll long seed) throws java.io.IOException {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder(randomString(r));
        b.insert(r.nextInt(b.length() + 1), '\u0000');
        String s = b.toString();
        java.io.ByteArrayOutputStream jdk = new java.io.ByteArrayOutputStream();
        new java.io.DataOutputStream(jdk).writeUTF(s);
        byte[] ours = new BinaryWriter().int16ModifiedUtf8(s).toByteArray();
        assertThat(ours).isEqualTo(jdk.toByteArray());
        assertThat(new BinaryReader(ours).int16ModifiedUtf8()).isEqualTo(s);
        assertThat(new java.io.DataInputStream(new java.io.ByteArrayInputStream(ours)).readUTF()).isEqualTo(s);
    }

    @Test
    void modifiedUtf8WritesNulAndEmojiItsOwnWay() {
        assertThat(hex(new BinaryWriter().int16ModifiedUtf8("a\u0000😀"))).isEqualTo("0009" + "61" + "c080" + "eda0bdedb880");
        assertThatThrownBy(() -> reader("0002c061").int16ModifiedUtf8()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed");
        assertThatThrownBy(() -> reader("0001c0").int16ModifiedUtf8()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BinaryWriter().int16ModifiedUtf8("\u0800".repeat(21_846)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
