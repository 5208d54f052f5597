package io.rebound.kafka.internals;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields this runtime's topic records share beyond the binary toolkit's own layouts. Records are
 * big-endian with strings as {@link BinaryWriter#int32StringOrNull} (the layout {@code DataOutput}
 * gave them when the topics were first written); on top of that: a nullable instant (a presence
 * byte, then the epoch milliseconds as 8 bytes), a list of strings (4-byte count, then each string)
 * and a tagged JSON-like value, which keeps its Java type (a {@code Long} comes back a {@code Long}).
 */
public final class TopicFields {

    private TopicFields() {
    }

    /** A nullable instant, millisecond precision (what the engine works in). */
    public static BinaryWriter instant(BinaryWriter o, Instant t) {
        o.bool(t != null);
        return t == null ? o : o.int64BE(t.toEpochMilli());
    }

    public static Instant instant(BinaryReader in) {
        return in.bool() ? Instant.ofEpochMilli(in.int64BE()) : null;
    }

    public static BinaryWriter strings(BinaryWriter o, List<String> list) {
        o.int32BE(list.size());
        list.forEach(o::int32StringOrNull);
        return o;
    }

    public static List<String> strings(BinaryReader in) {
        int n = in.int32BE();
        in.require(n);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.int32StringOrNull());
        }
        return out;
    }

    /**
     * A JSON-like value after a tag byte: 0 null, 1 string, 2 boolean, 3 int (from Integer or Short),
     * 4 long, 5 double (its IEEE bits; from Double or Float), 6 BigDecimal and 7 BigInteger (their
     * text), 8 list (4-byte count, then the values), 9 map (4-byte count, then key string and value).
     */
    public static BinaryWriter value(BinaryWriter o, Object v) {
        switch (v) {
            case null -> o.u8(0);
            case String s -> o.u8(1).int32StringOrNull(s);
            case Boolean b -> o.u8(2).bool(b);
            case Integer i -> o.u8(3).int32BE(i);
            case Long l -> o.u8(4).int64BE(l);
            case Double d -> o.u8(5).int64BE(Double.doubleToLongBits(d));
            case BigDecimal d -> o.u8(6).int32StringOrNull(d.toString());
            case BigInteger d -> o.u8(7).int32StringOrNull(d.toString());
            case List<?> list -> {
                o.u8(8).int32BE(list.size());
                list.forEach(x -> value(o, x));
            }
            case Map<?, ?> map -> {
                o.u8(9).int32BE(map.size());
                map.forEach((k, x) -> value(o.int32StringOrNull(String.valueOf(k)), x));
            }
            case Float f -> o.u8(5).int64BE(Double.doubleToLongBits(f));
            case Short s -> o.u8(3).int32BE(s);
            default -> throw new IllegalArgumentException("cannot encode a " + v.getClass().getName());
        }
        return o;
    }

    public static Object value(BinaryReader in) {
        int tag = in.u8();
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.int32StringOrNull();
            case 2 -> in.bool();
            case 3 -> in.int32BE();
            case 4 -> in.int64BE();
            case 5 -> Double.longBitsToDouble(in.int64BE());
            case 6 -> new BigDecimal(in.int32StringOrNull());
            case 7 -> new BigInteger(in.int32StringOrNull());
            case 8 -> {
                int n = in.int32BE();
                in.require(n);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(value(in));
                }
                yield list;
            }
            case 9 -> {
                int n = in.int32BE();
                in.require(n);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    map.put(in.int32StringOrNull(), value(in));
                }
                yield map;
            }
            default -> throw new IllegalArgumentException("unknown value tag " + tag);
        };
    }
}
