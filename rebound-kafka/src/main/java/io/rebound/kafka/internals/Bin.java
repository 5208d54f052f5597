package io.rebound.kafka.internals;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal binary writer/reader for the records this runtime puts on topics. Values keep their Java
 * type (a {@code Long} property comes back a {@code Long}), which a JSON round trip would not.
 */
public final class Bin {

    private Bin() {
    }

    /** Builds one record. */
    public static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        private final DataOutputStream out = new DataOutputStream(bytes);

        public Out str(String s) {
            try {
                if (s == null) {
                    out.writeBoolean(false);
                } else {
                    out.writeBoolean(true);
                    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    out.writeInt(b.length);
                    out.write(b);
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Out i8(int v) {
            return run(() -> out.writeByte(v));
        }

        public Out i32(int v) {
            return run(() -> out.writeInt(v));
        }

        public Out i64(long v) {
            return run(() -> out.writeLong(v));
        }

        public Out bool(boolean v) {
            return run(() -> out.writeBoolean(v));
        }

        public Out bytes(byte[] b) {
            return run(() -> {
                out.writeInt(b.length);
                out.write(b);
            });
        }

        /** A nullable instant, millisecond precision (what the engine works in). */
        public Out instant(Instant t) {
            bool(t != null);
            return t == null ? this : i64(t.toEpochMilli());
        }

        public Out strings(List<String> list) {
            i32(list.size());
            list.forEach(this::str);
            return this;
        }

        /** A JSON-like value: null, String, Boolean, Integer, Long, Double, BigDecimal, BigInteger, List, Map. */
        public Out value(Object v) {
            switch (v) {
                case null -> i8(0);
                case String s -> i8(1).str(s);
                case Boolean b -> i8(2).bool(b);
                case Integer i -> i8(3).i32(i);
                case Long l -> i8(4).i64(l);
                case Double d -> i8(5).i64(Double.doubleToLongBits(d));
                case BigDecimal d -> i8(6).str(d.toString());
                case BigInteger d -> i8(7).str(d.toString());
                case List<?> list -> {
                    i8(8).i32(list.size());
                    list.forEach(this::value);
                }
                case Map<?, ?> map -> {
                    i8(9).i32(map.size());
                    map.forEach((k, x) -> str(String.valueOf(k)).value(x));
                }
                case Float f -> i8(5).i64(Double.doubleToLongBits(f));
                case Short s -> i8(3).i32(s);
                default -> throw new IllegalArgumentException("cannot encode a " + v.getClass().getName());
            }
            return this;
        }

        public byte[] toBytes() {
            return bytes.toByteArray();
        }

        private Out run(IoAction a) {
            try {
                a.run();
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Reads one record written by {@link Out}. */
    public static final class In {
        private final DataInputStream in;

        public In(byte[] bytes) {
            this.in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        }

        public String str() {
            try {
                if (!in.readBoolean()) {
                    return null;
                }
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                return new String(b, java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public int i8() {
            return read(in::readByte);
        }

        public int i32() {
            return read(in::readInt);
        }

        public long i64() {
            return read(in::readLong);
        }

        public boolean bool() {
            return read(in::readBoolean);
        }

        public byte[] bytes() {
            byte[] b = new byte[i32()];
            try {
                in.readFully(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b;
        }

        public Instant instant() {
            return bool() ? Instant.ofEpochMilli(i64()) : null;
        }

        public List<String> strings() {
            int n = i32();
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(str());
            }
            return out;
        }

        public Object value() {
            int tag = i8();
            return switch (tag) {
                case 0 -> null;
                case 1 -> str();
                case 2 -> bool();
                case 3 -> i32();
                case 4 -> i64();
                case 5 -> Double.longBitsToDouble(i64());
                case 6 -> new BigDecimal(str());
                case 7 -> new BigInteger(str());
                case 8 -> {
                    int n = i32();
                    List<Object> list = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        list.add(value());
                    }
                    yield list;
                }
                case 9 -> {
                    int n = i32();
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        map.put(str(), value());
                    }
                    yield map;
                }
                default -> throw new IllegalArgumentException("unknown value tag " + tag);
            };
        }

        private <T> T read(IoRead<T> r) {
            try {
                return r.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private interface IoRead<T> {
        T read() throws IOException;
    }
}
