package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a {@link VisitorState}, shared by every runtime's storage (RocksDB, Kafka
 * Streams stores). Pure: bytes in, state out. A typical retained event takes ~20–30 bytes.
 *
 * <p>Layout (version 1): version byte; string table (varint count, then varint length + UTF-8 each;
 * product ids, categories, currencies, names and property keys are stored once per state and
 * referenced by varint index); varint event count; per event: zigzag varint time delta from the
 * previous event in milliseconds (the first is absolute), the 8-byte id hash, a header byte (type code
 * in the low 4 bits, flags: value, currency, properties, custom name), then the referenced parts.
 * Numbers are zigzag varint unscaled value + varint scale, or a string when they do not fit a long.
 */
public final class VisitorStateCodec {

    private static final byte VERSION = 1;
    /** Stable codes: appending is fine, reordering breaks stored state. */
    private static final List<EventType> TYPE_CODES = List.of(EventType.PAGE_VIEW, EventType.VIEW_CONTENT,
            EventType.ADD_TO_CART, EventType.REMOVE_FROM_CART, EventType.INITIATE_CHECKOUT,
            EventType.ADD_PAYMENT_INFO, EventType.PURCHASE, EventType.REFUND, EventType.SEARCH,
            EventType.ADD_TO_WISHLIST, EventType.LEAD, EventType.COMPLETE_REGISTRATION, EventType.IDENTIFY,
            EventType.CUSTOM);
    private static final int HAS_VALUE = 0x10;
    private static final int HAS_CURRENCY = 0x20;
    private static final int HAS_PROPS = 0x40;
    private static final int HAS_NAME = 0x80;
    private static final int TAG_STRING = 0;
    private static final int TAG_NUMBER = 1;
    private static final int TAG_TRUE = 2;
    private static final int TAG_FALSE = 3;
    private static final int TAG_BIG_NUMBER = 4;

    private VisitorStateCodec() {
    }

    public static byte[] encode(VisitorState state) {
        Map<String, Integer> strings = new LinkedHashMap<>();
        Bytes body = new Bytes();
        body.varint(state.size());
        long previous = 0;
        for (RetainedEvent e : state.events()) {
            body.varlong(zigzag(e.timeMillis() - previous));
            previous = e.timeMillis();
            body.fixed64(e.idHash());
            int header = TYPE_CODES.indexOf(e.type())
                    | (e.value() != null ? HAS_VALUE : 0)
                    | (e.currency() != null ? HAS_CURRENCY : 0)
                    | (!e.properties().isEmpty() ? HAS_PROPS : 0)
                    | (e.name() != null ? HAS_NAME : 0);
            body.write(header);
            if (e.name() != null) {
                body.varint(index(strings, e.name()));
            }
            body.varint(e.productIds().size());
            e.productIds().forEach(p -> body.varint(index(strings, p)));
            body.varint(e.categories().size());
            e.categories().forEach(c -> body.varint(index(strings, c)));
            if (e.value() != null) {
                number(body, strings, e.value());
            }
            if (e.currency() != null) {
                body.varint(index(strings, e.currency()));
            }
            if (!e.properties().isEmpty()) {
                body.varint(e.properties().size());
                for (Map.Entry<String, Object> p : e.properties().entrySet()) {
                    body.varint(index(strings, p.getKey()));
                    switch (p.getValue()) {
                        case String s -> {
                            body.write(TAG_STRING);
                            body.varint(index(strings, s));
                        }
                        case Boolean b -> body.write(b ? TAG_TRUE : TAG_FALSE);
                        case BigDecimal d -> number(body, strings, d);
                        default -> throw new IllegalArgumentException("unsupported property value " + p.getValue());
                    }
                }
            }
        }
        Bytes out = new Bytes();
        out.write(VERSION);
        out.varint(strings.size());
        for (String s : strings.keySet()) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.varint(utf8.length);
            out.write(utf8, utf8.length);
        }
        out.write(body.array(), body.size());
        return out.toByteArray();
    }

    public static VisitorState decode(byte[] bytes) {
        try {
            Bytes.Reader in = new Bytes.Reader(bytes);
            if (in.read() != VERSION) {
                throw new IllegalArgumentException("unknown visitor state version");
            }
            String[] strings = new String[in.varint()];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = in.utf8(in.varint());
            }
            int n = in.varint();
            List<RetainedEvent> events = new ArrayList<>(n);
            long time = 0;
            for (int i = 0; i < n; i++) {
                time += unzigzag(in.varlong());
                long hash = in.fixed64();
                int header = in.read();
                EventType type = TYPE_CODES.get(header & 0x0f);
                String name = (header & HAS_NAME) != 0 ? strings[in.varint()] : null;
                List<String> products = strings(in, strings);
                List<String> categories = strings(in, strings);
                BigDecimal value = (header & HAS_VALUE) != 0 ? (BigDecimal) number(in, strings, in.read()) : null;
                String currency = (header & HAS_CURRENCY) != 0 ? strings[in.varint()] : null;
                Map<String, Object> props = Map.of();
                if ((header & HAS_PROPS) != 0) {
                    int count = in.varint();
                    props = new HashMap<>(count * 2);
                    for (int k = 0; k < count; k++) {
                        String key = strings[in.varint()];
                        int tag = in.read();
                        props.put(key, switch (tag) {
                            case TAG_STRING -> strings[in.varint()];
                            case TAG_TRUE -> Boolean.TRUE;
                            case TAG_FALSE -> Boolean.FALSE;
                            default -> number(in, strings, tag);
                        });
                    }
                }
                events.add(new RetainedEvent(hash, time, type, name, products, categories, value, currency, props));
            }
            return VisitorState.ofSorted(events);
        } catch (IndexOutOfBoundsException | NullPointerException e) {
            throw new IllegalArgumentException("corrupt visitor state", e);
        }
    }

    /** Immutable lists straight away, so {@link RetainedEvent}'s defensive copy is free. */
    private static List<String> strings(Bytes.Reader in, String[] table) {
        int n = in.varint();
        return switch (n) {
            case 0 -> List.of();
            case 1 -> List.of(table[in.varint()]);
            default -> {
                String[] out = new String[n];
                for (int i = 0; i < n; i++) {
                    out[i] = table[in.varint()];
                }
                yield List.of(out);
            }
        };
    }

    /** Bit {@code 1 << type.ordinal()} for every event type present in {@code state}. */
    public static long typeMask(VisitorState state) {
        long mask = 0;
        for (RetainedEvent e : state.events()) {
            mask |= 1L << e.type().ordinal();
        }
        return mask;
    }

    private static void number(Bytes out, Map<String, Integer> strings, BigDecimal d) {
        BigInteger unscaled = d.unscaledValue();
        if (unscaled.bitLength() < 63) {
            out.write(TAG_NUMBER);
            out.varlong(zigzag(unscaled.longValue()));
            out.varlong(zigzag(d.scale()));
        } else {
            out.write(TAG_BIG_NUMBER);
            out.varint(index(strings, d.toString()));
        }
    }

    private static Object number(Bytes.Reader in, String[] strings, int tag) {
        return switch (tag) {
            case TAG_NUMBER -> decimal(unzigzag(in.varlong()), (int) unzigzag(in.varlong()));
            case TAG_BIG_NUMBER -> new BigDecimal(strings[in.varint()]);
            default -> throw new IllegalArgumentException("unknown value tag " + tag);
        };
    }

    private static final int CACHED_UNSCALED = 100_000;
    private static final int CACHED_SCALES = 3;
    /** Prices repeat endlessly (68, 68.00, 19.99): share their BigDecimals instead of allocating each. */
    private static final BigDecimal[] DECIMALS = new BigDecimal[CACHED_UNSCALED * CACHED_SCALES];

    private static BigDecimal decimal(long unscaled, int scale) {
        if (unscaled < 0 || unscaled >= CACHED_UNSCALED || scale < 0 || scale >= CACHED_SCALES) {
            return BigDecimal.valueOf(unscaled, scale);
        }
        int slot = scale * CACHED_UNSCALED + (int) unscaled;
        BigDecimal d = DECIMALS[slot];
        if (d == null) {
            // A benign race: BigDecimal is immutable (final fields), so any thread's copy is correct.
            d = BigDecimal.valueOf(unscaled, scale);
            DECIMALS[slot] = d;
        }
        return d;
    }

    private static int index(Map<String, Integer> strings, String s) {
        return strings.computeIfAbsent(s, k -> strings.size());
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
