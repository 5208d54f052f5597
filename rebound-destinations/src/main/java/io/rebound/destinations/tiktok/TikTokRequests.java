package io.rebound.destinations.tiktok;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.EventNames;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.ClickIds;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.RequestBuilder;
import io.rebound.destinations.internal.Products;
import io.rebound.destinations.internal.Wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * TikTok Business API requests, built without I/O, token in the {@code Access-Token} header:
 * <ul>
 *   <li>{@code POST /open_api/v1.3/dmp/custom_audience/file/upload/}: multipart {@code advertiser_id,
 *       calculate_type, file_signature} (MD5 of the file) and {@code file} — one hash per line;</li>
 *   <li>{@code POST …/dmp/custom_audience/create/} {@code {advertiser_id, custom_audience_name,
 *       file_paths, calculate_type}} and {@code …/update/} {@code {advertiser_id, custom_audience_id,
 *       file_paths, action: APPEND | REMOVE | REPLACE}};</li>
 *   <li>{@code POST /open_api/v1.3/event/track/} {@code {event_source: web, event_source_id,
 *       test_event_code?, data: [{event, event_time, event_id, user {email, phone, external_id
 *       (hashed); ttclid, ttp, ip, user_agent}, page {url, referrer}, properties {contents, content_type,
 *       value, currency}}]}}.</li>
 * </ul>
 * The multipart boundary is derived from the file's MD5, so the same rows always make the same bytes.
 */
public final class TikTokRequests extends RequestBuilder<TikTokConfig> {

    public TikTokRequests(TikTokConfig config) {
        super(config, config.baseUrl(), "/open_api/" + config.apiVersion());
    }

    private Map<String, String> headers(String contentType) {
        return Wire.headers("Access-Token", config.accessToken(), "Content-Type", contentType);
    }

    public static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    /** The customer file: one hash per line. */
    public static byte[] file(List<String> hashes) {
        return (String.join("\n", hashes) + (hashes.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
    }

    /** Uploads a customer file of {@code hashes}. */
    public WireRequest upload(List<String> hashes) {
        byte[] file = file(hashes);
        String signature = md5(file);
        String boundary = "rebound-" + signature;
        return new WireRequest("POST", uri("/dmp/custom_audience/file/upload/"),
                headers("multipart/form-data; boundary=" + boundary), multipart(boundary, signature, file));
    }

    private byte[] multipart(String boundary, String signature, byte[] file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, boundary, "advertiser_id", config.advertiserId());
        field(out, boundary, "calculate_type", config.calculateType());
        field(out, boundary, "file_signature", signature);
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rebound-" + signature
                + ".csv\"\r\nContent-Type: text/csv\r\n\r\n");
        out.writeBytes(file);
        write(out, "\r\n--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String boundary, String name, String value) {
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** An upload's size is its parts plus one line per hash; the parts' size does not depend on the rows. */
    public BatchPlanner.Framing uploadFraming() {
        return new BatchPlanner.Framing(upload(List.of()).bodyLength(), 0);
    }

    /** One file line: the hash and its newline. */
    public static int lineBytes(String hash) {
        return hash.length() + 1;
    }

    public WireRequest create(String name, String filePath) {
        ObjectNode b = Json.object();
        b.put("advertiser_id", config.advertiserId());
        b.put("custom_audience_name", name);
        b.set("file_paths", Json.strings(List.of(filePath)));
        b.put("calculate_type", config.calculateType());
        return new WireRequest("POST", uri("/dmp/custom_audience/create/"), headers("application/json"), Json.bytes(b));
    }

    public WireRequest update(String audienceId, String filePath, boolean remove) {
        return update(audienceId, filePath, remove ? "REMOVE" : "APPEND");
    }

    /** Makes the audience hold exactly the file's rows (full reconciliation). */
    public WireRequest replace(String audienceId, String filePath) {
        return update(audienceId, filePath, "REPLACE");
    }

    private WireRequest update(String audienceId, String filePath, String action) {
        ObjectNode b = Json.object();
        b.put("advertiser_id", config.advertiserId());
        b.put("custom_audience_id", audienceId);
        b.set("file_paths", Json.strings(List.of(filePath)));
        b.put("action", action);
        return new WireRequest("POST", uri("/dmp/custom_audience/update/"), headers("application/json"), Json.bytes(b));
    }

    /** The hashes of {@code keys} a file of this config's calculate type holds. */
    public List<String> fileRows(MatchKeys keys) {
        return "PHONE_SHA256".equals(config.calculateType()) ? keys.phones() : keys.emails();
    }

    /** One Events API event; {@code limited_data_use: true} when the store's policy asks for Limited Data Use. */
    public ObjectNode event(ServerEvent e, MatchKeys keys, ConsentDecision d) {
        ObjectNode ev = Json.object();
        ev.put("event", EventNames.of(Platform.TIKTOK, e));
        ev.put("event_time", e.eventTime().getEpochSecond());
        ev.put("event_id", e.eventId());
        ObjectNode user = ev.putObject("user");
        if (!keys.emails().isEmpty()) {
            user.put("email", keys.emails().get(0));
        }
        if (!keys.phones().isEmpty()) {
            user.put("phone", keys.phones().get(0));
        }
        if (!keys.externalIds().isEmpty()) {
            user.put("external_id", keys.externalIds().get(0));
        }
        Json.putIf(user, "ttclid", e.clickIds().get(ClickIds.TTCLID));
        Json.putIf(user, "ttp", e.clickIds().get(ClickIds.TTP));
        Json.putIf(user, "ip", e.ip());
        Json.putIf(user, "user_agent", e.userAgent());
        if (e.pageUrl() != null || e.referrer() != null) {
            ObjectNode page = ev.putObject("page");
            Json.putIf(page, "url", e.pageUrl());
            Json.putIf(page, "referrer", e.referrer());
        }
        ObjectNode props = Json.object();
        if (!e.products().isEmpty()) {
            Products.contents(props.putArray("contents"), e.products(), "content_id", "price");
            props.put("content_type", "product");
        }
        if (e.value() != null) {
            props.put("value", e.value());
        }
        Json.putIf(props, "currency", e.currency());
        if (!props.isEmpty()) {
            ev.set("properties", props);
        }
        if (d.limitedDataUse()) {
            ev.put("limited_data_use", true);
        }
        return ev;
    }

    public WireRequest events(List<ObjectNode> events) {
        return new WireRequest("POST", uri("/event/track/"), headers("application/json"), Json.bytes(eventsBody(events)));
    }

    private ObjectNode eventsBody(List<ObjectNode> events) {
        ObjectNode b = Json.object();
        b.put("event_source", "web");
        b.put("event_source_id", config.pixelCode());
        if (config.testEventCode() != null) {
            b.put("test_event_code", config.testEventCode());
        }
        ArrayNode data = b.putArray("data");
        events.forEach(data::add);
        return b;
    }

    public BatchPlanner.Framing eventsFraming() {
        return new BatchPlanner.Framing(Json.bytes(eventsBody(List.of())).length, 1);
    }
}
