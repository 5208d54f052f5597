package io.rebound.server.log;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.server.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a canonical event: compact JSON with snake_case names. It is the format of
 * the embedded log and of the admin API, so what an operator reads is what is stored.
 */
public final class EventCodec {

    /** Field-for-field image of {@link Event} with stable wire names. */
    public record Stored(
            @JsonProperty("store_id") String storeId,
            @JsonProperty("event_id") String eventId,
            @JsonProperty("type") String type,
            @JsonProperty("name") String name,
            @JsonProperty("anonymous_id") String anonymousId,
            @JsonProperty("user_id") String userId,
            @JsonProperty("email_sha256") String emailHash,
            @JsonProperty("products") List<StoredProduct> products,
            @JsonProperty("value") BigDecimal value,
            @JsonProperty("currency") String currency,
            @JsonProperty("event_time") Instant eventTime,
            @JsonProperty("received_at") Instant receivedAt,
            @JsonProperty("page_url") String pageUrl,
            @JsonProperty("referrer") String referrer,
            @JsonProperty("user_agent") String userAgent,
            @JsonProperty("ip") String ip,
            @JsonProperty("click_ids") Map<String, String> clickIds,
            @JsonProperty("utm") Map<String, String> utm,
            @JsonProperty("consent") Consent consent,
            @JsonProperty("properties") Map<String, Object> properties,
            @JsonProperty("source") Source source) {
    }

    public record StoredProduct(@JsonProperty("id") String id, @JsonProperty("category") String category,
                                @JsonProperty("price") BigDecimal price, @JsonProperty("quantity") int quantity) {
    }

    private static final ObjectWriter WRITER = Json.MAPPER.writerFor(Stored.class);
    private static final ObjectReader READER = Json.MAPPER.readerFor(Stored.class);

    private EventCodec() {
    }

    public static Stored toStored(Event e) {
        return new Stored(e.storeId(), e.eventId(), e.type().canonicalName(), e.name(), e.anonymousId(), e.userId(),
                e.emailHash(), e.products().stream()
                        .map(p -> new StoredProduct(p.id(), p.category(), p.price(), p.quantity())).toList(),
                e.value(), e.currency(), e.eventTime(), e.receivedAt(), e.pageUrl(), e.referrer(), e.userAgent(),
                e.ip(), e.clickIds().isEmpty() ? null : e.clickIds(), e.utm().isEmpty() ? null : e.utm(),
                e.consent().isUnstated() ? null : e.consent(), e.properties().isEmpty() ? null : e.properties(),
                e.source());
    }

    public static byte[] encode(Event e) {
        try {
            return WRITER.writeValueAsBytes(toStored(e));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public static Event decode(byte[] bytes) {
        try {
            Stored s = READER.readValue(bytes);
            return Event.builder(s.storeId(), s.eventId(), typeOf(s.type()), s.eventTime(), s.receivedAt())
                    .name(s.name()).anonymousId(s.anonymousId()).userId(s.userId()).emailHash(s.emailHash())
                    .products(s.products() == null ? List.of() : s.products().stream()
                            .map(p -> new Product(p.id(), p.category(), p.price(), Math.max(1, p.quantity()))).toList())
                    .value(s.value()).currency(s.currency()).pageUrl(s.pageUrl()).referrer(s.referrer())
                    .userAgent(s.userAgent()).ip(s.ip()).clickIds(s.clickIds()).utm(s.utm()).consent(s.consent())
                    .properties(s.properties()).source(s.source())
                    .build();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static EventType typeOf(String canonicalName) {
        for (EventType t : EventType.values()) {
            if (t.canonicalName().equals(canonicalName)) {
                return t;
            }
        }
        return EventType.CUSTOM;
    }
}
