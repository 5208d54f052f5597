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
        if (state.source() != null) {
            // Decoded and unchanged since: its bytes are its encoding (a backfill rewrites most states as read).
            return state.source().copy();
        }
        Bytes out = new Bytes();
        encode(state, out);
        return out.toByteArray();
    }

    /** Appends the encoding of {@code state} to {@code out}. */
    public static void encode(VisitorState state, Bytes out) {
        if (state.source() != null) {
            state.source().copyTo(out);
            return;
        }
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
        out.write(VERSION);
        out.varint(strings.size());
        for (String s : strings.keySet()) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.varint(utf8.length);
            out.write(utf8, utf8.length);
        }
        out.write(body.array(), body.size());
    }

    /** Bytes the encoding of {@code state} takes, when known without encoding it (decoded, unchanged); else 0. */
    public static int knownSize(VisitorState state) {
        return state.source() == null ? 0 : state.source().size();
    }

    public static VisitorState decode(byte[] bytes) {
        return decode(bytes, 0);
    }

    /**
     * Decodes the state encoded at {@code bytes[offset..]}. Only each event's time, id hash and type
     * are read now (and the whole layout checked); the rest of an event — products, value,
     * properties — is decoded the first time something asks for that event, so evaluating a
     * segment that looks at a few event types costs only those events. {@code bytes} must not
     * change afterwards.
     */
    public static VisitorState decode(byte[] bytes, int offset) {
        try {
            Bytes.Reader in = new Bytes.Reader(bytes, offset);
            if (in.read() != VERSION) {
                throw new IllegalArgumentException("unknown visitor state version");
            }
            int[] stringAt = new int[in.varint()];
            for (int i = 0; i < stringAt.length; i++) {
                stringAt[i] = in.position();
                in.skip(in.varint());
            }
            Encoded encoded = new Encoded(bytes, offset, stringAt, in.varint());
            long time = 0;
            for (int i = 0; i < encoded.times.length; i++) {
                time += unzigzag(in.varlong());
                encoded.times[i] = time;
                encoded.hashes[i] = in.fixed64();
                encoded.eventAt[i] = in.position();
                int header = in.read();
                encoded.types[i] = TYPE_CODES.get(header & 0x0f);
                skipBody(in, header, stringAt.length);
            }
            encoded.end = in.position();
            for (int i = 1; i < encoded.times.length; i++) {
                if (encoded.times[i - 1] > encoded.times[i]
                        || encoded.times[i - 1] == encoded.times[i] && encoded.hashes[i - 1] >= encoded.hashes[i]) {
                    // The codec only ever writes a valid state (sorted, one event per id): anything out of
                    // order is foreign bytes and takes the slow, safe path.
                    List<RetainedEvent> events = new ArrayList<>(encoded.times.length);
                    for (int k = 0; k < encoded.times.length; k++) {
                        events.add(encoded.event(k));
                    }
                    return VisitorState.of(events);
                }
            }
            return VisitorState.encoded(encoded);
        } catch (IndexOutOfBoundsException | NullPointerException e) {
            throw new IllegalArgumentException("corrupt visitor state", e);
        }
    }

    /**
     * A decoded state's bytes and what was read eagerly; {@link #event} decodes the rest of one event.
     * Strings are decoded once each, on first use. Safe to share between threads: the caches hold
     * immutable objects, so a racing thread at worst decodes the same value again.
     */
    static final class Encoded {
        private final byte[] bytes;
        private final int offset;
        private final int[] stringAt;
        private final String[] strings;
        final long[] times;
        final long[] hashes;
        final EventType[] types;
        private final int[] eventAt;
        private int end;

        private Encoded(byte[] bytes, int offset, int[] stringAt, int events) {
            this.bytes = bytes;
            this.offset = offset;
            this.stringAt = stringAt;
            this.strings = new String[stringAt.length];
            this.times = new long[events];
            this.hashes = new long[events];
            this.types = new EventType[events];
            this.eventAt = new int[events];
        }

        /** The encoding itself: what {@link VisitorStateCodec#encode} returns for this very state. */
        byte[] copy() {
            return java.util.Arrays.copyOfRange(bytes, offset, end);
        }

        void copyTo(Bytes out) {
            out.write(bytes, offset, end - offset);
        }

        int size() {
            return end - offset;
        }

        RetainedEvent event(int i) {
            Bytes.Reader in = new Bytes.Reader(bytes, eventAt[i]);
            int header = in.read();
            EventType type = types[i];
            String name = (header & HAS_NAME) != 0 ? string(in.varint()) : null;
            List<String> products = strings(in);
            List<String> categories = strings(in);
            BigDecimal value = (header & HAS_VALUE) != 0 ? (BigDecimal) number(in, in.read()) : null;
            String currency = (header & HAS_CURRENCY) != 0 ? string(in.varint()) : null;
            Map<String, Object> props = Map.of();
            if ((header & HAS_PROPS) != 0) {
                int count = in.varint();
                props = new HashMap<>(count * 2);
                for (int k = 0; k < count; k++) {
                    String key = string(in.varint());
                    int tag = in.read();
                    props.put(key, switch (tag) {
                        case TAG_STRING -> string(in.varint());
                        case TAG_TRUE -> Boolean.TRUE;
                        case TAG_FALSE -> Boolean.FALSE;
                        default -> number(in, tag);
                    });
                }
            }
            return new RetainedEvent(hashes[i], times[i], type, name, products, categories, value, currency, props);
        }

        private String string(int i) {
            String s = strings[i];
            if (s == null) {
                Bytes.Reader in = new Bytes.Reader(bytes, stringAt[i]);
                s = in.utf8(in.varint());
                strings[i] = s;
            }
            return s;
        }

        /** Immutable lists straight away, so {@link RetainedEvent}'s defensive copy is free. */
        private List<String> strings(Bytes.Reader in) {
            int n = in.varint();
            return switch (n) {
                case 0 -> List.of();
                case 1 -> List.of(string(in.varint()));
                default -> {
                    String[] out = new String[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = string(in.varint());
                    }
                    yield List.of(out);
                }
            };
        }

        private Object number(Bytes.Reader in, int tag) {
            return switch (tag) {
                case TAG_NUMBER -> decimal(unzigzag(in.varlong()), (int) unzigzag(in.varlong()));
                case TAG_BIG_NUMBER -> new BigDecimal(string(in.varint()));
                default -> throw new IllegalArgumentException("unknown value tag " + tag);
            };
        }
    }

    /** Steps over an event's parts after its header, checking every reference and tag so that a later {@link Encoded#event} cannot fail. */
    private static void skipBody(Bytes.Reader in, int header, int strings) {
        if ((header & 0x0f) >= TYPE_CODES.size()) {
            throw new IllegalArgumentException("unknown event type code " + (header & 0x0f));
        }
        if ((header & HAS_NAME) != 0) {
            ref(in, strings);
        }
        for (int list = 0; list < 2; list++) {
            int n = in.varint();
            for (int i = 0; i < n; i++) {
                ref(in, strings);
            }
        }
        if ((header & HAS_VALUE) != 0) {
            skipNumber(in, in.read(), strings);
        }
        if ((header & HAS_CURRENCY) != 0) {
            ref(in, strings);
        }
        if ((header & HAS_PROPS) != 0) {
            int count = in.varint();
            for (int k = 0; k < count; k++) {
                ref(in, strings);
                int tag = in.read();
                switch (tag) {
                    case TAG_STRING -> ref(in, strings);
                    case TAG_TRUE, TAG_FALSE -> { }
                    default -> skipNumber(in, tag, strings);
                }
            }
        }
    }

    private static void skipNumber(Bytes.Reader in, int tag, int strings) {
        switch (tag) {
            case TAG_NUMBER -> {
                in.varlong();
                in.varlong();
            }
            case TAG_BIG_NUMBER -> ref(in, strings);
            default -> throw new IllegalArgumentException("unknown value tag " + tag);
        }
    }

    private static void ref(Bytes.Reader in, int strings) {
        if (in.varint() >= strings) {
            throw new IllegalArgumentException("string reference out of range");
        }
    }

    /** Bit {@code 1 << type.ordinal()} for every event type present in {@code state}. */
    public static long typeMask(VisitorState state) {
        long mask = 0;
        for (int i = 0; i < state.size(); i++) {
            mask |= 1L << state.typeAt(i).ordinal();
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
