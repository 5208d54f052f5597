package io.rebound.core.event;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary record of a canonical {@link Event}: what the embedded log and the visitor event table
 * hold. Every accepted event is encoded once on the request path and decoded by every consumer, so
 * this format is what the collector's and the consumers' cost per event is made of. Pure: byte
 * arrays only.
 *
 * <p>Layout (version 2): a first byte {@code 0xB2}, then the fields in a fixed order — store, event
 * id, canonical type name, name, anonymous id, user id, email hash; the products (varint count; id,
 * category, price, varint quantity each); value, currency; event time as a zigzag varint of epoch
 * milliseconds and received-at as a zigzag varint delta from it; page URL, referrer, user agent, IP;
 * click ids ({@link ClickIds}; a record read keeps only the entries valid today) and UTM (varint count,
 * then key and value each); consent (a varint: 0 when unstated, else
 * bit 9 set and two bits each for ad storage, ad user data, ad personalisation and analytics storage
 * — 0 unstated, 1 denied, 2 granted — and bit 8 for GPC); the properties (varint count; key, then a
 * varint tag: 0 string, 1 true, 2 false, 3 integer as its text, 4 decimal as its text); the source's
 * ordinal as a varint; last, only when the event has one, its Google email hash (an optional trailing
 * string: a record without it — every record written before it existed — reads as none). Strings are a varint of (UTF-8 length + 1) then the bytes, 0 for absent
 * ({@link BinaryWriter#varintStringOrNull}); amounts are a varint tag (0 absent, 1 zigzag scale then
 * zigzag unscaled value, 2 the decimal's text when the unscaled value does not fit a long).
 * Properties keep the value JSON would have carried, so integers read back as {@code Long} and
 * decimals as {@code BigDecimal} whatever {@code Number} they were written from.
 */
public final class BinaryEventCodec {
    /** The first byte of a record in this layout (version 2; JSON records, version 1, start with '{'). */
    public static final byte VERSION = (byte) 0xB2;
    private static final Source[] SOURCES = Source.values();
    private static final Map<String, EventType> TYPES = new HashMap<>();
    private static final int NUMBER_INT = 3;
    private static final int NUMBER_DECIMAL = 4;

    static {
        for (EventType t : EventType.values()) {
            TYPES.put(t.canonicalName(), t);
        }
    }

    private BinaryEventCodec() {
    }

    /** Whether {@code bytes} are a record in this layout (by its first byte). */
    public static boolean isRecord(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == VERSION;
    }

    public static byte[] encode(Event e) {
        BinaryWriter o = new BinaryWriter(256);
        o.u8(VERSION);
        o.varintStringOrNull(e.storeId());
        o.varintStringOrNull(e.eventId());
        o.varintStringOrNull(e.type().canonicalName());
        o.varintStringOrNull(e.name());
        o.varintStringOrNull(e.anonymousId());
        o.varintStringOrNull(e.userId());
        o.varintStringOrNull(e.emailHash());
        o.varint(e.products().size());
        for (Product p : e.products()) {
            o.varintStringOrNull(p.id());
            o.varintStringOrNull(p.category());
            decimal(o, p.price());
            o.varint(p.quantity());
        }
        decimal(o, e.value());
        o.varintStringOrNull(e.currency());
        long eventTime = e.eventTime().toEpochMilli();
        o.zigzagVarlong(eventTime);
        o.zigzagVarlong(e.receivedAt().toEpochMilli() - eventTime);
        o.varintStringOrNull(e.pageUrl());
        o.varintStringOrNull(e.referrer());
        o.varintStringOrNull(e.userAgent());
        o.varintStringOrNull(e.ip());
        strings(o, e.clickIds());
        strings(o, e.utm());
        Consent c = e.consent();
        o.varint(c == null || c.isUnstated() ? 0 : 1 << 9 | tri(c.adStorage()) | tri(c.adUserData()) << 2
                | tri(c.adPersonalization()) << 4 | tri(c.analyticsStorage()) << 6 | (c.globalPrivacyControl() ? 1 << 8 : 0));
        o.varint(e.properties().size());
        for (Map.Entry<String, Object> p : e.properties().entrySet()) {
            o.varintStringOrNull(p.getKey());
            switch (p.getValue()) {
                case String v -> {
                    o.varint(0);
                    o.varintStringOrNull(v);
                }
                case Boolean b -> o.varint(b ? 1 : 2);
                // Numbers keep the text JSON would have carried, so both versions decode to the same values.
                case Long l -> number(o, l.toString());
                case Integer i -> number(o, i.toString());
                case BigDecimal d -> number(o, d.toString());
                case Double d -> number(o, Double.toString(d));
                case Number n -> number(o, new BigDecimal(n.toString()).toString());
                default -> {
                    o.varint(0);
                    o.varintStringOrNull(String.valueOf(p.getValue()));
                }
            }
        }
        o.varint(e.source().ordinal());
        if (e.googleEmailHash() != null) {
            o.varintStringOrNull(e.googleEmailHash());
        }
        return o.toByteArray();
    }

    private static void number(BinaryWriter o, String text) {
        boolean integral = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        o.varint(integral ? NUMBER_INT : NUMBER_DECIMAL);
        o.varintStringOrNull(text);
    }

    private static void decimal(BinaryWriter o, BigDecimal d) {
        if (d == null) {
            o.varint(0);
            return;
        }
        BigInteger unscaled = d.unscaledValue();
        if (unscaled.bitLength() < 63) {
            o.varint(1);
            o.zigzagVarlong(d.scale());
            o.zigzagVarlong(unscaled.longValueExact());
        } else {
            o.varint(2);
            o.varintStringOrNull(d.toString());
        }
    }

    private static void strings(BinaryWriter o, Map<String, String> m) {
        o.varint(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            o.varintStringOrNull(e.getKey());
            o.varintStringOrNull(e.getValue());
        }
    }

    /** Decodes a record in this layout ({@link #isRecord}); a damaged one throws {@link IllegalArgumentException}. */
    public static Event decode(byte[] b) {
        if (!isRecord(b)) {
            throw new IllegalArgumentException("not an event record of version 2");
        }
        try {
            return read(new BinaryReader(b, 1));
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt event record", e);
        }
    }

    private static Event read(BinaryReader in) {
        String storeId = in.varintStringOrNull();
        String eventId = in.varintStringOrNull();
        EventType type = TYPES.getOrDefault(in.varintStringOrNull(), EventType.CUSTOM);
        String name = in.varintStringOrNull();
        String anonymousId = in.varintStringOrNull();
        String userId = in.varintStringOrNull();
        String emailHash = in.varintStringOrNull();
        int productCount = in.varint();
        List<Product> products = productCount == 0 ? List.of() : new ArrayList<>(productCount);
        for (int i = 0; i < productCount; i++) {
            products.add(new Product(in.varintStringOrNull(), in.varintStringOrNull(), decimal(in), in.varint()));
        }
        BigDecimal value = decimal(in);
        String currency = in.varintStringOrNull();
        long eventTime = in.zigzagVarlong();
        long receivedAt = eventTime + in.zigzagVarlong();
        String pageUrl = in.varintStringOrNull();
        String referrer = in.varintStringOrNull();
        String userAgent = in.varintStringOrNull();
        String ip = in.varintStringOrNull();
        // Releases before the click-id rules kept any key and value the collector read: drop what they no longer allow.
        Map<String, String> clickIds = ClickIds.readable(strings(in));
        Map<String, String> utm = strings(in);
        int consentBits = in.varint();
        Consent consent = consentBits == 0 ? null : new Consent(untri(consentBits), untri(consentBits >> 2),
                untri(consentBits >> 4), untri(consentBits >> 6), (consentBits & 1 << 8) != 0);
        int propertyCount = in.varint();
        Map<String, Object> properties = propertyCount == 0 ? null : new LinkedHashMap<>();
        for (int i = 0; i < propertyCount; i++) {
            String key = in.varintStringOrNull();
            int tag = in.varint();
            properties.put(key, switch (tag) {
                case 0 -> in.varintStringOrNull();
                case 1 -> Boolean.TRUE;
                case 2 -> Boolean.FALSE;
                case NUMBER_INT -> Long.parseLong(in.varintStringOrNull());
                case NUMBER_DECIMAL -> new BigDecimal(in.varintStringOrNull());
                default -> throw new IllegalArgumentException("corrupt event record: property tag " + tag);
            });
        }
        int source = in.varint();
        if (source >= SOURCES.length) {
            throw new IllegalArgumentException("corrupt event record: source " + source);
        }
        String googleEmailHash = in.remaining() > 0 ? in.varintStringOrNull() : null;
        return Event.builder(storeId, eventId, type, Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(receivedAt))
                .name(name).anonymousId(anonymousId).userId(userId).emailHash(emailHash).products(products)
                .value(value).currency(currency).pageUrl(pageUrl).referrer(referrer).userAgent(userAgent).ip(ip)
                .clickIds(clickIds).utm(utm).consent(consent).properties(properties).source(SOURCES[source])
                .googleEmailHash(googleEmailHash).build();
    }

    private static BigDecimal decimal(BinaryReader in) {
        return switch (in.varint()) {
            case 0 -> null;
            case 1 -> {
                int scale = (int) in.zigzagVarlong();
                yield BigDecimal.valueOf(in.zigzagVarlong(), scale);
            }
            case 2 -> new BigDecimal(in.varintStringOrNull());
            default -> throw new IllegalArgumentException("corrupt event record: bad amount tag");
        };
    }

    private static Map<String, String> strings(BinaryReader in) {
        int n = in.varint();
        if (n == 0) {
            return null;
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.varintStringOrNull(), in.varintStringOrNull());
        }
        return m;
    }

    private static int tri(Boolean b) {
        return b == null ? 0 : b ? 2 : 1;
    }

    private static Boolean untri(int bits) {
        return switch (bits & 3) {
            case 1 -> Boolean.FALSE;
            case 2 -> Boolean.TRUE;
            default -> null;
        };
    }
}
