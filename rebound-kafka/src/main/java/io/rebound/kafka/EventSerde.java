package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.event.BinaryEventCodec;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.kafka.internals.TopicFields;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value format of the events topic, and of the events inside the identity and persons topics'
 * records: the canonical {@link Event} in the layout the embedded log stores it in
 * ({@link BinaryEventCodec}, first byte {@code 0xB2}), so that an event has one binary form in both
 * modes (decision 0009).
 *
 * <p>Records of this topic's version 1 (first byte 1, this runtime's own layout until 2026-12-02) are
 * still read, for as long as a topic holds them: big-endian, every string as
 * {@link io.rebound.core.binary.BinaryWriter#int32StringOrNull}, the type by its enum name, prices and
 * value as decimal text, times as {@link TopicFields#instant}; click ids, UTM and the four consent
 * flags as {@link TopicFields#value}s and GPC as a byte; the properties as a value (keeping the Java
 * type each was written with); last the source's name.
 */
public final class EventSerde extends RecordSerde<Event> {

    private static final int VERSION_1 = 1;

    public EventSerde() {
        super(EventSerde::encode, EventSerde::decode);
    }

    public static byte[] encode(Event e) {
        return BinaryEventCodec.encode(e);
    }

    /** Decodes a record of either version. */
    public static Event decode(byte[] bytes) {
        if (BinaryEventCodec.isRecord(bytes)) {
            return BinaryEventCodec.decode(bytes);
        }
        try {
            return decodeVersion1(bytes);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt event record", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Event decodeVersion1(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        int version = in.u8();
        if (version != VERSION_1) {
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
        // Version-1 records predate the click-id rules: keep only the entries allowed today.
        Map<String, String> clickIds = ClickIds.readable((Map<String, String>) TopicFields.value(in));
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
}
