package io.rebound.kafka;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.kafka.internals.Bin;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value format of the events topic: every field of the canonical {@link Event}, binary,
 * version-prefixed. Independent of the server's JSON codec so that this module needs nothing but
 * the core; types of custom properties survive the round trip.
 */
public final class EventSerde implements Serde<Event>, Serializer<Event>, Deserializer<Event> {

    private static final int VERSION = 1;

    public static byte[] encode(Event e) {
        Bin.Out o = new Bin.Out().i8(VERSION)
                .str(e.storeId()).str(e.eventId()).str(e.type().name()).str(e.name())
                .str(e.anonymousId()).str(e.userId()).str(e.emailHash());
        o.i32(e.products().size());
        for (Product p : e.products()) {
            o.str(p.id()).str(p.category()).str(p.price() == null ? null : p.price().toString()).i32(p.quantity());
        }
        o.str(e.value() == null ? null : e.value().toString()).str(e.currency())
                .instant(e.eventTime()).instant(e.receivedAt())
                .str(e.pageUrl()).str(e.referrer()).str(e.userAgent()).str(e.ip())
                .value(e.clickIds()).value(e.utm());
        Consent c = e.consent();
        o.value(c.adStorage()).value(c.adUserData()).value(c.adPersonalization()).value(c.analyticsStorage())
                .bool(c.globalPrivacyControl());
        return o.value(e.properties()).str(e.source().name()).toBytes();
    }

    @SuppressWarnings("unchecked")
    public static Event decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        int version = in.i8();
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown event format version " + version);
        }
        String store = in.str();
        String id = in.str();
        EventType type = EventType.valueOf(in.str());
        String name = in.str();
        String anonymousId = in.str();
        String userId = in.str();
        String emailHash = in.str();
        int n = in.i32();
        List<Product> products = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String pid = in.str();
            String category = in.str();
            String price = in.str();
            products.add(new Product(pid, category, price == null ? null : new BigDecimal(price), in.i32()));
        }
        String value = in.str();
        String currency = in.str();
        var eventTime = in.instant();
        var receivedAt = in.instant();
        String pageUrl = in.str();
        String referrer = in.str();
        String userAgent = in.str();
        String ip = in.str();
        Map<String, String> clickIds = (Map<String, String>) in.value();
        Map<String, String> utm = (Map<String, String>) in.value();
        Consent consent = new Consent((Boolean) in.value(), (Boolean) in.value(), (Boolean) in.value(),
                (Boolean) in.value(), in.bool());
        Map<String, Object> properties = (Map<String, Object>) in.value();
        Source source = Source.valueOf(in.str());
        return new Event(store, id, type, name, anonymousId, userId, emailHash, products,
                value == null ? null : new BigDecimal(value), currency, eventTime, receivedAt, pageUrl, referrer,
                userAgent, ip, clickIds, utm, consent, properties == null ? null : new LinkedHashMap<>(properties),
                source);
    }

    @Override
    public byte[] serialize(String topic, Event data) {
        return data == null ? null : encode(data);
    }

    @Override
    public Event deserialize(String topic, byte[] data) {
        return data == null ? null : decode(data);
    }

    @Override
    public Serializer<Event> serializer() {
        return this;
    }

    @Override
    public Deserializer<Event> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }
}
