package io.rebound.core.segment;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.event.EventType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a {@link VisitorState}, shared by every runtime's storage (RocksDB, Kafka
 * Streams stores). Pure: bytes in, state out. A typical retained event takes ~20 bytes.
 *
 * <p>Layout (version 2), in columns so that reading a state for a segment touches only what the
 * segment asks about, in the order a segment asks for it: version byte; varint event count {@code n};
 * when {@code n > 0}, the first event's time (zigzag varint epoch millis), a width byte (5, or 8 when
 * the events span more than 2^40 ms), and each event's time as a little-endian offset of that width
 * from the first, in milliseconds (at a fixed place each, so any one is read without the others);
 * {@code n} header bytes (type code in the low 4 bits, flags: value, currency, properties, custom
 * name); the bodies — varint total length, then per event a varint length and the referenced parts
 * (custom name, product ids, categories, value, currency, properties), of length 0 when the event has
 * none of them; the string table — varint count, varint total length, then varint length + UTF-8 each
 * (product ids, categories, currencies, names and property keys are stored once per state and
 * referenced by varint index); last, {@code n} 8-byte id hashes (little-endian, at a fixed place
 * each), which only deduplication reads. Numbers are zigzag varint unscaled value + varint scale, or
 * a string when they do not fit a long.
 *
 * <p>Decoding reads the section lengths; the types, times, hashes, bodies and strings are read only
 * when something asks for them (a condition on a type, deduplication, a condition on a product or a
 * value, a reason naming a product). The layout is checked as far as it is read: the section lengths
 * at once; a type code, an event's body and its string references when first read, failing then
 * with {@link IllegalArgumentException}.
 *
 * <p>Version 1 (the same parts, event by event, strings first) is still read, into a fully built
 * state that is written back as version 2.
 */
public final class VisitorStateCodec {

    private static final byte VERSION = 2;
    private static final byte ROW_LAYOUT = 1;
    /** Stable codes: appending is fine, reordering breaks stored state. */
    private static final List<EventType> TYPE_CODES = List.of(EventType.PAGE_VIEW, EventType.VIEW_CONTENT,
            EventType.ADD_TO_CART, EventType.REMOVE_FROM_CART, EventType.INITIATE_CHECKOUT,
            EventType.ADD_PAYMENT_INFO, EventType.PURCHASE, EventType.REFUND, EventType.SEARCH,
            EventType.ADD_TO_WISHLIST, EventType.LEAD, EventType.COMPLETE_REGISTRATION, EventType.IDENTIFY,
            EventType.CUSTOM);
    /** Type by code; null for the codes no type has (a corrupt state). */
    private static final int[] CODE_BY_ORDINAL = codes();
    private static final EventType[] BY_CODE = java.util.Arrays.copyOf(TYPE_CODES.toArray(EventType[]::new), 16);
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

    private static int[] codes() {
        int[] codes = new int[EventType.values().length];
        for (EventType t : EventType.values()) {
            codes[t.ordinal()] = TYPE_CODES.indexOf(t);
        }
        return codes;
    }

    public static byte[] encode(VisitorState state) {
        if (state.isSource()) {
            // Decoded and unchanged since: its bytes are its encoding (a backfill rewrites most states as read).
            return state.source().copy();
        }
        BinaryWriter out = new BinaryWriter();
        encode(state, out);
        return out.toByteArray();
    }

    /**
     * Appends the encoding of {@code state} to {@code out}: a copy of its bytes when it has them (decoded,
     * perhaps added to since: {@link #insert}).
     */
    public static void encode(VisitorState state, BinaryWriter out) {
        if (state.isSource()) {
            state.source().copyTo(out);
            return;
        }
        int n = state.size();
        out.u8(VERSION);
        out.varint(n);
        if (n > 0) {
            long base = state.timeAt(0);
            int width = state.timeAt(n - 1) - base >= 1L << 40 ? 8 : 5;
            out.zigzagVarlong(base);
            out.u8(width);
            for (int i = 0; i < n; i++) {
                offset(out, state.timeAt(i) - base, width);
            }
        }
        for (int i = 0; i < n; i++) {
            out.u8(header(state.get(i)));
        }
        Strings strings = new Strings(null);
        BinaryWriter bodies = new BinaryWriter(n * 16);
        BinaryWriter body = new BinaryWriter();
        for (int i = 0; i < n; i++) {
            body.clear();
            body(state.get(i), body, strings);
            bodies.varint(body.size());
            bodies.bytes(body.array(), 0, body.size());
        }
        out.varint(bodies.size());
        out.bytes(bodies.array(), 0, bodies.size());
        strings.writeTable(out);
        for (int i = 0; i < n; i++) {
            out.int64LE(state.hashAt(i));
        }
    }

    /**
     * {@code source} with {@code e} as its event {@code pos} (where the order puts it; its id hash not in
     * {@code source}): the event's time, header, body and id hash spliced into a copy of the source's columns,
     * its strings not in the table appended to it; every other byte copied as it was, unless the first time
     * or the times' width changes (every time offset is then written again). That decodes to the same state
     * as encoding every event afresh (the table's order may differ), at the cost of copying the bytes once.
     */
    static Encoded insert(Encoded source, RetainedEvent e, int pos) {
        int n = source.size;
        long t = e.timeMillis();
        long base = Math.min(source.base, t);
        int width = Math.max(source.time(n - 1), t) - base >= 1L << 40 ? 8 : 5;
        Strings strings = new Strings(source);
        BinaryWriter body = new BinaryWriter(32);
        body(e, body, strings);
        BinaryWriter added = strings.addedTable();
        int bodiesLength = source.bodiesLength + varintSize(body.size()) + body.size();
        int stringCount = source.stringCount + strings.addedCount();
        int tableLength = source.tableLength + added.size();
        int size = 1 + varintSize(n + 1) + varintSize(BinaryWriter.zigzag(base)) + 1 + (width + 1 + 8) * (n + 1)
                + varintSize(bodiesLength) + bodiesLength
                + varintSize(stringCount) + varintSize(tableLength) + tableLength;
        byte[] from = source.bytes;
        BinaryWriter out = new BinaryWriter(size);
        out.u8(VERSION);
        out.varint(n + 1);
        out.zigzagVarlong(base);
        out.u8(width);
        int timesAt = out.size();
        if (base == source.base && width == source.timeWidth) {
            out.bytes(from, source.timesAt, width * pos);
            offset(out, t - base, width);
            out.bytes(from, source.timesAt + width * pos, width * (n - pos));
        } else {
            for (int i = 0; i <= n; i++) {
                offset(out, (i < pos ? source.time(i) : i == pos ? t : source.time(i - 1)) - base, width);
            }
        }
        int headersAt = out.size();
        out.bytes(from, source.headersAt, pos);
        out.u8(header(e));
        out.bytes(from, source.headersAt + pos, n - pos);
        out.varint(bodiesLength);
        int bodiesAt = out.size();
        int split = source.bodyStart(pos);
        out.bytes(from, source.bodiesAt, split - source.bodiesAt);
        out.varint(body.size());
        out.bytes(body.array(), 0, body.size());
        out.bytes(from, split, source.bodiesEnd() - split);
        out.varint(stringCount);
        out.varint(tableLength);
        int tableAt = out.size();
        out.bytes(from, source.tableAt, source.tableLength);
        out.bytes(added.array(), 0, added.size());
        int hashesAt = out.size();
        out.bytes(from, source.hashesAt, 8 * pos);
        out.int64LE(e.idHash());
        out.bytes(from, source.hashesAt + 8 * pos, 8 * (n - pos));
        if (out.size() != size) {
            throw new IllegalStateException("visitor state spliced to " + out.size() + " bytes, expected " + size);
        }
        return new Encoded(out.array(), 0, size, n + 1, base, width, timesAt, headersAt, hashesAt, bodiesAt,
                bodiesLength, stringCount, tableAt, tableLength);
    }

    private static void offset(BinaryWriter out, long offset, int width) {
        if (width == 8) {
            out.int64LE(offset);
        } else {
            out.int40LE(offset);
        }
    }

    /** Bytes of {@code v} as an unsigned varint. */
    private static int varintSize(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private static int header(RetainedEvent e) {
        return CODE_BY_ORDINAL[e.type().ordinal()]
                | (e.value() != null ? HAS_VALUE : 0)
                | (e.currency() != null ? HAS_CURRENCY : 0)
                | (!e.properties().isEmpty() ? HAS_PROPS : 0)
                | (e.name() != null ? HAS_NAME : 0);
    }

    /** An event's referenced parts; nothing at all for an event without any. */
    private static void body(RetainedEvent e, BinaryWriter body, Strings strings) {
        if (e.name() == null && e.productIds().isEmpty() && e.categories().isEmpty() && e.value() == null
                && e.currency() == null && e.properties().isEmpty()) {
            return;
        }
        if (e.name() != null) {
            body.varint(strings.index(e.name()));
        }
        // Plain loops: the capturing lambdas of forEach were allocated for every event encoded.
        body.varint(e.productIds().size());
        List<String> products = e.productIds();
        for (int i = 0, n = products.size(); i < n; i++) { // indexed: an iterator per list was allocated per event
            body.varint(strings.index(products.get(i)));
        }
        body.varint(e.categories().size());
        List<String> categories = e.categories();
        for (int i = 0, n = categories.size(); i < n; i++) {
            body.varint(strings.index(categories.get(i)));
        }
        if (e.value() != null) {
            number(body, strings, e.value());
        }
        if (e.currency() != null) {
            body.varint(strings.index(e.currency()));
        }
        if (!e.properties().isEmpty()) {
            body.varint(e.properties().size());
            for (Map.Entry<String, Object> p : e.properties().entrySet()) {
                body.varint(strings.index(p.getKey()));
                switch (p.getValue()) {
                    case String s -> {
                        body.u8(TAG_STRING);
                        body.varint(strings.index(s));
                    }
                    case Boolean b -> body.u8(b ? TAG_TRUE : TAG_FALSE);
                    case BigDecimal d -> number(body, strings, d);
                    default -> throw new IllegalArgumentException("unsupported property value " + p.getValue());
                }
            }
        }
    }

    public static VisitorState decode(byte[] bytes) {
        return decode(bytes, 0);
    }

    /**
     * Decodes the state encoded at {@code bytes[offset..]}. Only the section lengths are read now; each
     * part of an event — type, time, id hash, products, value, properties — is read the first time
     * something asks for it, so evaluating a segment that looks at a few event types costs only
     * those events. {@code bytes} must not change afterwards.
     */
    public static VisitorState decode(byte[] bytes, int offset) {
        try {
            BinaryReader in = new BinaryReader(bytes, offset);
            int version = in.u8();
            if (version == ROW_LAYOUT) {
                return RowLayout.decode(in);
            }
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown visitor state version " + version);
            }
            int n = in.varint();
            in.require(n);
            long base = n == 0 ? 0 : in.zigzagVarlong();
            int width = n == 0 ? 5 : in.u8();
            if (width != 5 && width != 8) {
                throw new IllegalArgumentException("unknown time width " + width);
            }
            int timesAt = in.position();
            in.skip(width * n);
            int headersAt = in.position();
            in.skip(n);
            int bodiesLength = in.varint();
            int bodiesAt = in.position();
            in.skip(bodiesLength);
            int stringCount = in.varint();
            int tableLength = in.varint();
            int tableAt = in.position();
            in.skip(tableLength);
            int hashesAt = in.position();
            in.skip(8 * n);
            // The order of events is not checked: only this codec writes these bytes, always sorted by time then
            // id hash, and the store under them checksums its blocks.
            Encoded encoded = new Encoded(bytes, offset, in.position(), n, base, width, timesAt, headersAt,
                    hashesAt, bodiesAt, bodiesLength, stringCount, tableAt, tableLength);
            return VisitorState.encoded(encoded);
        } catch (IndexOutOfBoundsException | NullPointerException e) {
            throw new IllegalArgumentException("corrupt visitor state", e);
        }
    }

    /**
     * A decoded state's bytes and what was read eagerly; {@link #event} decodes the rest of one event.
     * Body offsets and strings are indexed once, from their second use. Safe to share between
     * threads: the caches hold immutable objects, and a thread that does not see one yet (or sees it
     * half-filled) walks the bytes itself, so a racing thread at worst computes the same value again.
     */
    static final class Encoded {
        private final byte[] bytes;
        private final int offset;
        private final int end;
        private final int size;
        private final long base;
        private final int timeWidth;
        private final long timeMask;
        private final int timesAt;
        private final int headersAt;
        private final int hashesAt;
        private final int bodiesAt;
        private final int bodiesLength;
        private final int stringCount;
        private final int tableAt;
        private final int tableLength;
        private int[] bodyAt;
        private int bodyReads;
        private int[] stringAt;
        private String[] strings;
        private int stringReads;

        private Encoded(byte[] bytes, int offset, int end, int size, long base, int timeWidth, int timesAt,
                        int headersAt, int hashesAt, int bodiesAt, int bodiesLength, int stringCount, int tableAt,
                        int tableLength) {
            this.bytes = bytes;
            this.offset = offset;
            this.end = end;
            this.size = size;
            this.base = base;
            this.timeWidth = timeWidth;
            this.timeMask = timeWidth == 8 ? -1L : 0xff_ffff_ffffL;
            this.timesAt = timesAt;
            this.headersAt = headersAt;
            this.hashesAt = hashesAt;
            this.bodiesAt = bodiesAt;
            this.bodiesLength = bodiesLength;
            this.stringCount = stringCount;
            this.tableAt = tableAt;
            this.tableLength = tableLength;
        }

        /** The encoding itself: what {@link VisitorStateCodec#encode} returns for this very state. */
        byte[] copy() {
            return java.util.Arrays.copyOfRange(bytes, offset, end);
        }

        void copyTo(BinaryWriter out) {
            out.bytes(bytes, offset, end - offset);
        }

        int size() {
            return size;
        }

        /** Where event i's body entry (its length prefix) starts; {@link #bodiesEnd()} for i == size. */
        int bodyStart(int i) {
            return i == size ? bodiesEnd() : bodyAt(i);
        }

        int bodiesEnd() {
            return bodiesAt + bodiesLength;
        }

        int stringCount() {
            return stringCount;
        }

        /** The index of {@code s} in the string table, or -1: compares UTF-8 bytes, building no string. */
        int indexOf(String s) {
            byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            BinaryReader in = new BinaryReader(bytes, tableAt);
            for (int k = 0; k < stringCount; k++) {
                int length = in.varint();
                int at = in.position();
                if (length == utf8.length && java.util.Arrays.equals(bytes, at, at + length, utf8, 0, length)) {
                    return k;
                }
                in.skip(length);
            }
            return -1;
        }

        /** Type of event i. */
        EventType type(int i) {
            return typeOf(bytes[headersAt + i] & 0x0f);
        }

        private static EventType typeOf(int code) {
            EventType type = BY_CODE[code];
            if (type == null) {
                throw new IllegalArgumentException("corrupt visitor state: unknown event type code " + code);
            }
            return type;
        }

        /** The product ids of event i, without building the rest of it. */
        List<String> productIds(int i) {
            int header = bytes[headersAt + i] & 0xff;
            BinaryReader in = new BinaryReader(bytes, bodyAt(i));
            if (in.varint() == 0) {
                return List.of();
            }
            if ((header & HAS_NAME) != 0) {
                in.varint();
            }
            return strings(in);
        }

        /** Time of event i, epoch millis (the 8 bytes read always lie inside the state: the other columns follow). */
        long time(int i) {
            return base + (BinaryReader.int64LE(bytes, timesAt + timeWidth * i) & timeMask);
        }

        long hash(int i) {
            return BinaryReader.int64LE(bytes, hashesAt + 8 * i);
        }

        /** Whether an event has this id hash: a scan of the hash column. */
        boolean containsHash(long hash) {
            for (int at = hashesAt, last = hashesAt + 8 * size; at < last; at += 8) {
                if (BinaryReader.int64LE(bytes, at) == hash) {
                    return true;
                }
            }
            return false;
        }

        /** Bit {@code 1 << type.ordinal()} for every type among the events: one pass over the header bytes. */
        long typeMask() {
            int codes = 0;
            for (int i = headersAt; i < headersAt + size; i++) {
                codes |= 1 << (bytes[i] & 0x0f);
            }
            long mask = 0;
            for (int code = 0; code < 16; code++) {
                if ((codes & 1 << code) != 0) {
                    mask |= 1L << typeOf(code).ordinal();
                }
            }
            return mask;
        }

        /** {@link VisitorState#latestMillisByType}: the header bytes read from the newest back. */
        long[] latestMillisByType() {
            long[] latest = new long[EventType.values().length];
            java.util.Arrays.fill(latest, Long.MIN_VALUE);
            int seen = 0;
            for (int i = size - 1; i >= 0; i--) {
                int code = bytes[headersAt + i] & 0x0f;
                if ((seen & 1 << code) == 0) {
                    seen |= 1 << code;
                    latest[typeOf(code).ordinal()] = time(i);
                }
            }
            return latest;
        }

        RetainedEvent event(int i) {
            try {
                return read(i);
            } catch (IndexOutOfBoundsException | ClassCastException e) {
                throw new IllegalArgumentException("corrupt visitor state: event " + i, e);
            }
        }

        private RetainedEvent read(int i) {
            int header = bytes[headersAt + i] & 0xff;
            BinaryReader in = new BinaryReader(bytes, bodyAt(i));
            int length = in.varint();
            int at = in.position();
            EventType type = type(i);
            if (length == 0) {
                if ((header & 0xf0) != 0) {
                    throw new IllegalArgumentException("corrupt visitor state: event " + i + " has no body");
                }
                return new RetainedEvent(hash(i), time(i), type, null, List.of(), List.of(), null, null, Map.of());
            }
            String name = (header & HAS_NAME) != 0 ? string(in.varint()) : null;
            List<String> products = strings(in);
            List<String> categories = strings(in);
            BigDecimal value = (header & HAS_VALUE) != 0 ? (BigDecimal) number(in, in.u8()) : null;
            String currency = (header & HAS_CURRENCY) != 0 ? string(in.varint()) : null;
            Map<String, Object> props = Map.of();
            if ((header & HAS_PROPS) != 0) {
                int count = in.varint();
                props = new HashMap<>(count * 2);
                for (int k = 0; k < count; k++) {
                    String key = string(in.varint());
                    int tag = in.u8();
                    props.put(key, switch (tag) {
                        case TAG_STRING -> string(in.varint());
                        case TAG_TRUE -> Boolean.TRUE;
                        case TAG_FALSE -> Boolean.FALSE;
                        default -> number(in, tag);
                    });
                }
            }
            if (in.position() != at + length) {
                throw new IllegalArgumentException("corrupt visitor state: event " + i + " body length");
            }
            return new RetainedEvent(hash(i), time(i), type, name, products, categories, value, currency, props);
        }

        /**
         * Where event i's body starts (its length prefix). The first body asked for is found by
         * walking the length prefixes up to it; from the second on, every body's place is indexed
         * once (a state read for a reason asks for one body, one read for a filter for many).
         */
        private int bodyAt(int i) {
            int[] at = bodyAt;
            if (at != null) {
                return at[i];
            }
            if (bodyReads++ == 0) {
                return entry(bodiesAt, i);
            }
            at = entries(bodiesAt, size, bodiesLength, "bodies");
            bodyAt = at;
            return at[i];
        }

        /** String i of the table: found by walking the table the first time, indexed and cached from the second. */
        String string(int i) {
            if (i < 0 || i >= stringCount) {
                throw new IllegalArgumentException("corrupt visitor state: string reference out of range");
            }
            String[] cache = strings;
            if (cache == null) {
                if (stringReads++ == 0) {
                    return walkTo(i);
                }
                stringAt = entries(tableAt, stringCount, tableLength, "string table");
                cache = new String[stringCount];
                strings = cache;
            }
            String s = cache[i];
            int[] at = stringAt;
            if (s == null && at != null) {
                BinaryReader in = new BinaryReader(bytes, at[i]);
                s = in.varintString();
                cache[i] = s;
            }
            return s != null ? s : walkTo(i);
        }

        private String walkTo(int i) {
            BinaryReader in = new BinaryReader(bytes, entry(tableAt, i));
            return in.varintString();
        }

        /** Where entry i of the length-prefixed entries from {@code from} starts (its length prefix). */
        private int entry(int from, int i) {
            BinaryReader in = new BinaryReader(bytes, from);
            for (int k = 0; k < i; k++) {
                in.skip(in.varint());
            }
            return in.position();
        }

        /**
         * Where each of the {@code count} length-prefixed entries from {@code from} starts; together
         * they must take {@code length} bytes.
         */
        private int[] entries(int from, int count, int length, String what) {
            int[] at = new int[count];
            BinaryReader in = new BinaryReader(bytes, from);
            for (int k = 0; k < count; k++) {
                at[k] = in.position();
                in.skip(in.varint());
            }
            if (in.position() != from + length) {
                throw new IllegalArgumentException("corrupt visitor state: " + what + " length");
            }
            return at;
        }

        /** Immutable lists straight away, so {@link RetainedEvent}'s defensive copy is free. */
        private List<String> strings(BinaryReader in) {
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

        private Object number(BinaryReader in, int tag) {
            return switch (tag) {
                case TAG_NUMBER -> decimal(in.zigzagVarlong(), (int) in.zigzagVarlong());
                case TAG_BIG_NUMBER -> new BigDecimal(string(in.varint()));
                default -> throw new IllegalArgumentException("corrupt visitor state: unknown value tag " + tag);
            };
        }
    }

    /** Version 1: per event its time delta, id hash, header and parts, after the string table. Read only. */
    private static final class RowLayout {
        private RowLayout() {
        }

        static VisitorState decode(BinaryReader in) {
            String[] strings = new String[in.varint()];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = in.varintString();
            }
            int n = in.varint();
            List<RetainedEvent> events = new ArrayList<>(n);
            long time = 0;
            for (int i = 0; i < n; i++) {
                time += in.zigzagVarlong();
                long hash = in.int64LE();
                int header = in.u8();
                if (BY_CODE[header & 0x0f] == null) {
                    throw new IllegalArgumentException("unknown event type code " + (header & 0x0f));
                }
                String name = (header & HAS_NAME) != 0 ? strings[in.varint()] : null;
                List<String> products = list(in, strings);
                List<String> categories = list(in, strings);
                BigDecimal value = (header & HAS_VALUE) != 0 ? (BigDecimal) number(in, in.u8(), strings) : null;
                String currency = (header & HAS_CURRENCY) != 0 ? strings[in.varint()] : null;
                Map<String, Object> props = new HashMap<>();
                if ((header & HAS_PROPS) != 0) {
                    int count = in.varint();
                    for (int k = 0; k < count; k++) {
                        String key = strings[in.varint()];
                        int tag = in.u8();
                        props.put(key, switch (tag) {
                            case TAG_STRING -> strings[in.varint()];
                            case TAG_TRUE -> Boolean.TRUE;
                            case TAG_FALSE -> Boolean.FALSE;
                            default -> number(in, tag, strings);
                        });
                    }
                }
                events.add(new RetainedEvent(hash, time, BY_CODE[header & 0x0f], name, products, categories, value,
                        currency, props));
            }
            return VisitorState.of(events);
        }

        private static List<String> list(BinaryReader in, String[] strings) {
            String[] out = new String[in.varint()];
            for (int i = 0; i < out.length; i++) {
                out[i] = strings[in.varint()];
            }
            return List.of(out);
        }

        private static Object number(BinaryReader in, int tag, String[] strings) {
            return switch (tag) {
                case TAG_NUMBER -> decimal(in.zigzagVarlong(), (int) in.zigzagVarlong());
                case TAG_BIG_NUMBER -> new BigDecimal(strings[in.varint()]);
                default -> throw new IllegalArgumentException("unknown value tag " + tag);
            };
        }
    }

    /** Bit {@code 1 << type.ordinal()} for every event type present in {@code state}. */
    public static long typeMask(VisitorState state) {
        if (state.isSource()) {
            return state.source().typeMask();
        }
        long mask = 0;
        for (int i = 0; i < state.size(); i++) {
            mask |= 1L << state.typeAt(i).ordinal();
        }
        return mask;
    }

    private static void number(BinaryWriter out, Strings strings, BigDecimal d) {
        BigInteger unscaled = d.unscaledValue();
        if (unscaled.bitLength() < 63) {
            out.u8(TAG_NUMBER);
            out.zigzagVarlong(unscaled.longValue());
            out.zigzagVarlong(d.scale());
        } else {
            out.u8(TAG_BIG_NUMBER);
            out.varint(strings.index(d.toString()));
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

    /**
     * The string table being written: a source's table first, when an event is inserted into one
     * ({@link #insert}), then the strings first referenced since, each once.
     */
    private static final class Strings {
        private final Encoded source;
        private final Map<String, Integer> added = new LinkedHashMap<>();

        Strings(Encoded source) {
            this.source = source;
        }

        int index(String s) {
            Integer i = added.get(s); // not computeIfAbsent: its capturing lambda was allocated on every call
            if (i != null) {
                return i;
            }
            int known = source == null ? -1 : source.indexOf(s);
            if (known >= 0) {
                return known;
            }
            i = (source == null ? 0 : source.stringCount()) + added.size();
            added.put(s, i);
            return i;
        }

        int addedCount() {
            return added.size();
        }

        /** The strings first referenced since the source's table, each as its varint length + UTF-8. */
        BinaryWriter addedTable() {
            BinaryWriter table = new BinaryWriter(16 * added.size() + 8);
            for (String s : added.keySet()) {
                table.varintString(s);
            }
            return table;
        }

        /** The whole table of a state encoded afresh (no source). */
        void writeTable(BinaryWriter out) {
            BinaryWriter table = addedTable();
            out.varint(added.size());
            out.varint(table.size());
            out.bytes(table.array(), 0, table.size());
        }
    }
}
