package io.rebound.server.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.rebound.core.event.BinaryEventCodec;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.server.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a canonical event.
 *
 * <p>In the log and the visitor event table an event is a compact binary record
 * ({@link #encode}/{@link #decode}), version 2, laid out as {@link BinaryEventCodec} describes.
 * Records written by version 1 (JSON, first byte <code>'{'</code>) are still read, so an existing
 * data directory keeps working.
 *
 * <p>{@link #write} renders an event as the admin API's JSON (snake_case, ISO-8601 instants).
 */
public final class EventCodec {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();
    private static final Map<String, EventType> TYPES = new HashMap<>();

    static {
        for (EventType t : EventType.values()) {
            TYPES.put(t.canonicalName(), t);
        }
    }

    private EventCodec() {
    }

    /** Encodes for the log and the visitor event table (binary, version 2). */
    public static byte[] encode(Event e) {
        return BinaryEventCodec.encode(e);
    }

    /** Encodes as version 1 did (JSON); kept so that reading old records stays tested. */
    static byte[] encodeJson(Event e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(384);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, e, false);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Writes the event as a JSON object; {@code forApi} adds ISO times and {@code product_ids}. */
    public static void write(JsonGenerator g, Event e, boolean forApi) throws IOException {
        g.writeStartObject();
        g.writeStringField("store_id", e.storeId());
        g.writeStringField("event_id", e.eventId());
        g.writeStringField("type", e.type().canonicalName());
        g.writeStringField("name", e.name());
        str(g, "anonymous_id", e.anonymousId());
        str(g, "user_id", e.userId());
        str(g, "email_sha256", e.emailHash());
        if (!e.products().isEmpty()) {
            g.writeArrayFieldStart("products");
            for (Product p : e.products()) {
                g.writeStartObject();
                g.writeStringField("id", p.id());
                str(g, "category", p.category());
                if (p.price() != null) {
                    g.writeNumberField("price", p.price());
                }
                g.writeNumberField("quantity", p.quantity());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (forApi) {
                g.writeArrayFieldStart("product_ids");
                for (Product p : e.products()) {
                    g.writeString(p.id());
                }
                g.writeEndArray();
            }
        } else if (forApi) {
            g.writeArrayFieldStart("product_ids");
            g.writeEndArray();
        }
        if (e.value() != null) {
            g.writeNumberField("value", e.value());
        }
        str(g, "currency", e.currency());
        if (forApi) {
            g.writeStringField("event_time", e.eventTime().toString());
            g.writeStringField("received_at", e.receivedAt().toString());
        } else {
            g.writeNumberField("event_time_ms", e.eventTime().toEpochMilli());
            g.writeNumberField("received_at_ms", e.receivedAt().toEpochMilli());
        }
        str(g, "page_url", e.pageUrl());
        str(g, "referrer", e.referrer());
        str(g, "user_agent", e.userAgent());
        str(g, "ip", e.ip());
        map(g, "click_ids", e.clickIds());
        map(g, "utm", e.utm());
        Consent c = e.consent();
        if (!c.isUnstated()) {
            g.writeObjectFieldStart("consent");
            bool(g, "ad_storage", c.adStorage());
            bool(g, "ad_user_data", c.adUserData());
            bool(g, "ad_personalization", c.adPersonalization());
            bool(g, "analytics_storage", c.analyticsStorage());
            g.writeBooleanField("gpc", c.globalPrivacyControl());
            g.writeEndObject();
        }
        if (!e.properties().isEmpty()) {
            g.writeObjectFieldStart("properties");
            for (Map.Entry<String, Object> p : e.properties().entrySet()) {
                g.writeFieldName(p.getKey());
                switch (p.getValue()) {
                    case String s -> g.writeString(s);
                    case Boolean b -> g.writeBoolean(b);
                    case BigDecimal d -> g.writeNumber(d);
                    case Long l -> g.writeNumber(l);
                    case Integer i -> g.writeNumber(i);
                    case Double d -> g.writeNumber(d);
                    case Number n -> g.writeNumber(new BigDecimal(n.toString()));
                    default -> g.writeString(String.valueOf(p.getValue()));
                }
            }
            g.writeEndObject();
        }
        g.writeStringField("source", e.source().name());
        g.writeEndObject();
    }

    private static void str(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void bool(JsonGenerator g, String name, Boolean value) throws IOException {
        if (value != null) {
            g.writeBooleanField(name, value);
        }
    }

    private static void map(JsonGenerator g, String name, Map<String, String> m) throws IOException {
        if (!m.isEmpty()) {
            g.writeObjectFieldStart(name);
            for (Map.Entry<String, String> e : m.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
    }

    /** Decodes what {@link #encode} wrote, or a version 1 (JSON) record. */
    public static Event decode(byte[] bytes) {
        if (BinaryEventCodec.isRecord(bytes)) {
            return BinaryEventCodec.decode(bytes);
        }
        try (JsonParser p = FACTORY.createParser(bytes)) {
            return read(p);
        } catch (IOException ex) {
            throw new UncheckedIOException("corrupt event record", ex);
        }
    }

    private static Event read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("event record is not an object");
        }
        String storeId = null;
        String eventId = null;
        String type = null;
        String name = null;
        String anonymousId = null;
        String userId = null;
        String emailHash = null;
        List<Product> products = List.of();
        BigDecimal value = null;
        String currency = null;
        long eventTime = 0;
        long receivedAt = 0;
        String pageUrl = null;
        String referrer = null;
        String userAgent = null;
        String ip = null;
        Map<String, String> clickIds = null;
        Map<String, String> utm = null;
        Consent consent = null;
        Map<String, Object> properties = null;
        Source source = Source.SERVER;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "store_id" -> storeId = p.getText();
                case "event_id" -> eventId = p.getText();
                case "type" -> type = p.getText();
                case "name" -> name = p.getText();
                case "anonymous_id" -> anonymousId = p.getText();
                case "user_id" -> userId = p.getText();
                case "email_sha256" -> emailHash = p.getText();
                case "products" -> products = readProducts(p);
                case "value" -> value = p.getDecimalValue();
                case "currency" -> currency = p.getText();
                case "event_time_ms" -> eventTime = p.getLongValue();
                case "received_at_ms" -> receivedAt = p.getLongValue();
                case "page_url" -> pageUrl = p.getText();
                case "referrer" -> referrer = p.getText();
                case "user_agent" -> userAgent = p.getText();
                case "ip" -> ip = p.getText();
                // Records of releases before the click-id rules keep only the entries allowed today.
                case "click_ids" -> clickIds = ClickIds.readable(readStrings(p));
                case "utm" -> utm = readStrings(p);
                case "consent" -> consent = readConsent(p);
                case "properties" -> properties = readProperties(p);
                case "source" -> source = Source.valueOf(p.getText());
                default -> p.skipChildren();
            }
        }
        return Event.builder(storeId, eventId, TYPES.getOrDefault(type, EventType.CUSTOM),
                        Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(receivedAt))
                .name(name).anonymousId(anonymousId).userId(userId).emailHash(emailHash).products(products)
                .value(value).currency(currency).pageUrl(pageUrl).referrer(referrer).userAgent(userAgent).ip(ip)
                .clickIds(clickIds).utm(utm).consent(consent).properties(properties).source(source)
                .build();
    }

    private static List<Product> readProducts(JsonParser p) throws IOException {
        List<Product> out = new ArrayList<>(2);
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String id = null;
            String category = null;
            BigDecimal price = null;
            int quantity = 1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "id" -> id = p.getText();
                    case "category" -> category = p.getText();
                    case "price" -> price = p.getDecimalValue();
                    case "quantity" -> quantity = Math.max(1, p.getIntValue());
                    default -> p.skipChildren();
                }
            }
            out.add(new Product(id, category, price, quantity));
        }
        return out;
    }

    private static Map<String, String> readStrings(JsonParser p) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            out.put(k, p.getText());
        }
        return out;
    }

    private static Consent readConsent(JsonParser p) throws IOException {
        Boolean adStorage = null;
        Boolean adUserData = null;
        Boolean adPersonalization = null;
        Boolean analytics = null;
        boolean gpc = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            boolean v = p.getBooleanValue();
            switch (k) {
                case "ad_storage" -> adStorage = v;
                case "ad_user_data" -> adUserData = v;
                case "ad_personalization" -> adPersonalization = v;
                case "analytics_storage" -> analytics = v;
                case "gpc" -> gpc = v;
                default -> { }
            }
        }
        return new Consent(adStorage, adUserData, adPersonalization, analytics, gpc);
    }

    private static Map<String, Object> readProperties(JsonParser p) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            JsonToken t = p.nextToken();
            out.put(k, switch (t) {
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> p.getLongValue();
                case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
                default -> p.getText();
            });
        }
        return out;
    }
}
