package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.kafka.internals.TopicFields;
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
        BinaryWriter o = new BinaryWriter(256).u8(VERSION)
                .int32StringOrNull(e.storeId()).int32StringOrNull(e.eventId()).int32StringOrNull(e.type().name())
                .int32StringOrNull(e.name()).int32StringOrNull(e.anonymousId()).int32StringOrNull(e.userId())
                .int32StringOrNull(e.emailHash());
        o.int32BE(e.products().size());
        for (Product p : e.products()) {
            o.int32StringOrNull(p.id()).int32StringOrNull(p.category())
                    .int32StringOrNull(p.price() == null ? null : p.price().toString()).int32BE(p.quantity());
        }
        o.int32StringOrNull(e.value() == null ? null : e.value().toString()).int32StringOrNull(e.currency());
        TopicFields.instant(o, e.eventTime());
        TopicFields.instant(o, e.receivedAt());
        o.int32StringOrNull(e.pageUrl()).int32StringOrNull(e.referrer()).int32StringOrNull(e.userAgent())
                .int32StringOrNull(e.ip());
        TopicFields.value(o, e.clickIds());
        TopicFields.value(o, e.utm());
        Consent c = e.consent();
        TopicFields.value(o, c.adStorage());
        TopicFields.value(o, c.adUserData());
        TopicFields.value(o, c.adPersonalization());
        TopicFields.value(o, c.analyticsStorage());
        o.bool(c.globalPrivacyControl());
        TopicFields.value(o, e.properties());
        return o.int32StringOrNull(e.source().name()).toByteArray();
    }

    @SuppressWarnings("unchecked")
    public static Event decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        int version = in.u8();
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown event format version " + version);
        }
        String store = in.int32StringOrNull();
        String id = in.int32StringOrNull();
        EventType type = EventType.valueOf(in.int32StringOrNull());
        String name = in.int32StringOrNull();
        String anonymousId = in.int32StringOrNull();
        String userId = in.int32StringOrNull();
        String emailHash = in.int32StringOrNull();
        int n = in.int32BE();
        in.require(n);
        List<Product> products = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String pid = in.int32StringOrNull();
            String category = in.int32StringOrNull();
            String price = in.int32StringOrNull();
            products.add(new Product(pid, category, price == null ? null : new BigDecimal(price), in.int32BE()));
        }
        String value = in.int32StringOrNull();
        String currency = in.int32StringOrNull();
        var eventTime = TopicFields.instant(in);
        var receivedAt = TopicFields.instant(in);
        String pageUrl = in.int32StringOrNull();
        String referrer = in.int32StringOrNull();
        String userAgent = in.int32StringOrNull();
        String ip = in.int32StringOrNull();
        Map<String, String> clickIds = (Map<String, String>) TopicFields.value(in);
        Map<String, String> utm = (Map<String, String>) TopicFields.value(in);
        Consent consent = new Consent((Boolean) TopicFields.value(in), (Boolean) TopicFields.value(in),
                (Boolean) TopicFields.value(in), (Boolean) TopicFields.value(in), in.bool());
        Map<String, Object> properties = (Map<String, Object>) TopicFields.value(in);
        Source source = Source.valueOf(in.int32StringOrNull());
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
