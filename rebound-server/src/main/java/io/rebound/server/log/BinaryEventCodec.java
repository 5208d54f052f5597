package io.rebound.server.log;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Version 2 of the stored event: the binary layout described on {@link EventCodec}. */
final class BinaryEventCodec {
    static final byte VERSION = (byte) 0xB2;
    private static final Source[] SOURCES = Source.values();
    private static final int NUMBER_INT = 3;
    private static final int NUMBER_DECIMAL = 4;

    private BinaryEventCodec() {
    }

    static byte[] encode(Event e) {
        Out o = new Out();
        o.buf[o.pos++] = VERSION;
        o.str(e.storeId());
        o.str(e.eventId());
        o.str(e.type().canonicalName());
        o.str(e.name());
        o.str(e.anonymousId());
        o.str(e.userId());
        o.str(e.emailHash());
        o.varint(e.products().size());
        for (Product p : e.products()) {
            o.str(p.id());
            o.str(p.category());
            o.decimal(p.price());
            o.varint(p.quantity());
        }
        o.decimal(e.value());
        o.str(e.currency());
        long eventTime = e.eventTime().toEpochMilli();
        o.varlong(zigzag(eventTime));
        o.varlong(zigzag(e.receivedAt().toEpochMilli() - eventTime));
        o.str(e.pageUrl());
        o.str(e.referrer());
        o.str(e.userAgent());
        o.str(e.ip());
        o.strings(e.clickIds());
        o.strings(e.utm());
        Consent c = e.consent();
        o.varint(c == null || c.isUnstated() ? 0 : 1 << 9 | tri(c.adStorage()) | tri(c.adUserData()) << 2
                | tri(c.adPersonalization()) << 4 | tri(c.analyticsStorage()) << 6 | (c.globalPrivacyControl() ? 1 << 8 : 0));
        o.varint(e.properties().size());
        for (Map.Entry<String, Object> p : e.properties().entrySet()) {
            o.str(p.getKey());
            switch (p.getValue()) {
                case String v -> {
                    o.varint(0);
                    o.str(v);
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
                    o.str(String.valueOf(p.getValue()));
                }
            }
        }
        o.varint(e.source().ordinal());
        return Arrays.copyOf(o.buf, o.pos);
    }

    private static void number(Out o, String text) {
        boolean integral = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        o.varint(integral ? NUMBER_INT : NUMBER_DECIMAL);
        o.str(text);
    }

    static Event decode(byte[] b) {
        In in = new In(b);
        in.pos = 1;
        String storeId = in.str();
        String eventId = in.str();
        EventType type = EventCodec.TYPES.getOrDefault(in.str(), EventType.CUSTOM);
        String name = in.str();
        String anonymousId = in.str();
        String userId = in.str();
        String emailHash = in.str();
        int productCount = in.varint();
        List<Product> products = productCount == 0 ? List.of() : new ArrayList<>(productCount);
        for (int i = 0; i < productCount; i++) {
            products.add(new Product(in.str(), in.str(), in.decimal(), in.varint()));
        }
        BigDecimal value = in.decimal();
        String currency = in.str();
        long eventTime = unzigzag(in.varlong());
        long receivedAt = eventTime + unzigzag(in.varlong());
        String pageUrl = in.str();
        String referrer = in.str();
        String userAgent = in.str();
        String ip = in.str();
        Map<String, String> clickIds = in.strings();
        Map<String, String> utm = in.strings();
        int consentBits = in.varint();
        Consent consent = consentBits == 0 ? null : new Consent(untri(consentBits), untri(consentBits >> 2),
                untri(consentBits >> 4), untri(consentBits >> 6), (consentBits & 1 << 8) != 0);
        int propertyCount = in.varint();
        Map<String, Object> properties = propertyCount == 0 ? null : new LinkedHashMap<>();
        for (int i = 0; i < propertyCount; i++) {
            String key = in.str();
            int tag = in.varint();
            properties.put(key, switch (tag) {
                case 0 -> in.str();
                case 1 -> Boolean.TRUE;
                case 2 -> Boolean.FALSE;
                case NUMBER_INT -> Long.parseLong(in.str());
                case NUMBER_DECIMAL -> new BigDecimal(in.str());
                default -> throw new IllegalArgumentException("corrupt event record: property tag " + tag);
            });
        }
        Source source = SOURCES[in.varint()];
        return Event.builder(storeId, eventId, type, Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(receivedAt))
                .name(name).anonymousId(anonymousId).userId(userId).emailHash(emailHash).products(products)
                .value(value).currency(currency).pageUrl(pageUrl).referrer(referrer).userAgent(userAgent).ip(ip)
                .clickIds(clickIds).utm(utm).consent(consent).properties(properties).source(source)
                .build();
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

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static final class Out {
        byte[] buf = new byte[256];
        int pos;

        void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void varint(int v) {
            varlong(v & 0xffffffffL);
        }

        void varlong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void str(String s) {
            if (s == null) {
                varint(0);
                return;
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            varint(bytes.length + 1);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, pos, bytes.length);
            pos += bytes.length;
        }

        void decimal(BigDecimal d) {
            if (d == null) {
                varint(0);
                return;
            }
            BigInteger unscaled = d.unscaledValue();
            if (unscaled.bitLength() < 63) {
                varint(1);
                varlong(zigzag(d.scale()));
                varlong(zigzag(unscaled.longValueExact()));
            } else {
                varint(2);
                str(d.toString());
            }
        }

        void strings(Map<String, String> m) {
            varint(m.size());
            for (Map.Entry<String, String> e : m.entrySet()) {
                str(e.getKey());
                str(e.getValue());
            }
        }
    }

    private static final class In {
        final byte[] buf;
        int pos;

        In(byte[] buf) {
            this.buf = buf;
        }

        int varint() {
            return (int) varlong();
        }

        long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("corrupt event record: varint too long");
        }

        String str() {
            int n = varint();
            if (n == 0) {
                return null;
            }
            String s = new String(buf, pos, n - 1, StandardCharsets.UTF_8);
            pos += n - 1;
            return s;
        }

        BigDecimal decimal() {
            return switch (varint()) {
                case 0 -> null;
                case 1 -> {
                    int scale = (int) unzigzag(varlong());
                    yield BigDecimal.valueOf(unzigzag(varlong()), scale);
                }
                case 2 -> new BigDecimal(str());
                default -> throw new IllegalArgumentException("corrupt event record: bad amount tag");
            };
        }

        Map<String, String> strings() {
            int n = varint();
            if (n == 0) {
                return null;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(str(), str());
            }
            return m;
        }
    }
}
