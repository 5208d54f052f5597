package io.rebound.server.collect;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.json.Json;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the pixel's {@code <noscript>} fallback, {@code GET /v1/collect.gif}, whose query is the
 * whole message:
 *
 * <table>
 *   <caption>query parameters</caption>
 *   <tr><td>{@code k}</td><td>write key (resolved by the HTTP layer, ignored here)</td></tr>
 *   <tr><td>{@code e}</td><td>event name, default {@code PageView}</td></tr>
 *   <tr><td>{@code id}</td><td>event id (dedup key), optional</td></tr>
 *   <tr><td>{@code aid}</td><td>anonymous id, optional (see below)</td></tr>
 *   <tr><td>{@code uid}</td><td>user id, optional</td></tr>
 *   <tr><td>{@code u}, {@code r}</td><td>page URL and referrer, optional</td></tr>
 *   <tr><td>{@code ts}</td><td>ISO-8601 timestamp or epoch milliseconds, optional</td></tr>
 *   <tr><td>{@code cid}</td><td>comma-separated product ids (content_ids), optional</td></tr>
 *   <tr><td>{@code v}, {@code cur}</td><td>value and currency, optional</td></tr>
 *   <tr><td>{@code fbp}, {@code fbc}, {@code gclid}, … ({@link ClickIds#KEYS})</td><td>the ad platforms'
 *       ids, as {@code context.clickIds} of a JSON message, optional</td></tr>
 * </table>
 *
 * <p>It goes through the same rules as every JSON message (bots, consent, IP truncation); a
 * violation names the query parameter. Without {@code aid} — a browser without JavaScript has
 * no cookie id to send — the anonymous id is derived from the truncated IP, the user agent and
 * the UTC day: a <b>weak id</b> ({@code w-…}) that groups one visitor's requests of one day at
 * best, and may merge visitors behind one NAT. When identifiers may not be kept
 * ({@link PrivacyRules}), it is derived from the event alone, so it links nothing. Without
 * {@code id}, the event id is derived from the query and the arrival time: an image load is not
 * retried, and the same static URL loaded twice is two page views.
 */
public final class GifParser {

    private static final Map<String, String> PARAM_OF_FIELD = Map.of(
            "event", "e", "messageId", "id", "anonymousId", "aid", "userId", "uid", "timestamp", "ts",
            "context.page.url", "u", "context.page.referrer", "r", "properties.value", "v",
            "properties.currency", "cur");

    private static final String CLICK_IDS = "context.clickIds.";

    private final MessageParser messages;

    public GifParser(EventTimePolicy timePolicy, BotFilter botFilter) {
        this.messages = new MessageParser(timePolicy, botFilter);
    }

    public BatchResult parse(Map<String, String> query, Store store, RequestInfo req, Instant receivedAt) {
        Map<String, String> q = new TreeMap<>();
        query.forEach((k, v) -> {
            if (k != null && v != null && !v.isBlank() && !"k".equals(k)) {
                q.put(k, v.strip());
            }
        });
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("type", "track");
        m.put("event", q.getOrDefault("e", "PageView"));
        String eventId = q.get("id");
        if (eventId == null) {
            Map<String, String> parts = new TreeMap<>(q);
            parts.put("receivedAt", receivedAt.toString());
            eventId = DerivedIds.derive(store.id(), parts);
        }
        m.put("messageId", eventId);
        String anonymousId = q.get("aid");
        if (anonymousId == null && q.get("uid") == null) {
            anonymousId = weakAnonymousId(store, req, receivedAt, eventId);
        }
        putIfPresent(m, "anonymousId", anonymousId);
        putIfPresent(m, "userId", q.get("uid"));
        String ts = q.get("ts");
        if (ts != null) {
            m.put("timestamp", ts.chars().allMatch(Character::isDigit) && ts.length() <= 15
                    ? Instant.ofEpochMilli(Long.parseLong(ts)).toString() : ts);
        }
        ObjectNode context = m.putObject("context");
        ObjectNode page = context.putObject("page");
        putIfPresent(page, "url", q.get("u"));
        putIfPresent(page, "referrer", q.get("r"));
        ObjectNode properties = m.putObject("properties");
        putIfPresent(properties, "value", q.get("v"));
        putIfPresent(properties, "currency", q.get("cur"));
        if (q.containsKey("cid")) {
            ArrayNode ids = properties.putArray("content_ids");
            for (String id : q.get("cid").split(",")) {
                if (!id.isBlank()) {
                    ids.add(id.strip());
                }
            }
        }
        ObjectNode clickIds = null;
        for (String key : ClickIds.KEYS) {
            if (q.containsKey(key)) {
                clickIds = clickIds == null ? context.putObject("clickIds") : clickIds;
                clickIds.put(key, q.get(key));
            }
        }
        MessageParser.Context ctx = new MessageParser.Context(store, req, receivedAt, Source.PIXEL, null);
        MessageParser.Outcome outcome = messages.parse(m, null, "", ctx);
        if (outcome.bot()) {
            return new BatchResult(List.of(), List.of(), 1);
        }
        if (outcome.event() != null) {
            return new BatchResult(List.of(outcome.event()), List.of(), 0, outcome.clickIdsDropped() ? 1 : 0);
        }
        List<Violation> violations = outcome.violations().stream()
                .map(v -> new Violation(param(v.field()), v.message())).toList();
        return new BatchResult(List.of(), List.of(new BatchResult.Rejection(0, q.get("id"), violations)), 0);
    }

    /** The weak, cookie-less visitor id described above. */
    static String weakAnonymousId(Store store, RequestInfo req, Instant receivedAt, String eventId) {
        Consent consent = new Consent(null, null, null, null, req.globalPrivacyControl());
        String basis = PrivacyRules.keepsIdentifiers(consent, store)
                ? IpAddresses.truncate(req.remoteIp()) + "\0" + req.userAgentHeader() + "\0"
                        + receivedAt.atOffset(ZoneOffset.UTC).toLocalDate()
                : "event\0" + eventId;
        return "w-" + Pii.sha256Hex(store.id() + "\0" + basis).substring(0, 32);
    }

    private static String param(String field) {
        String mapped = PARAM_OF_FIELD.get(field);
        if (mapped != null) {
            return mapped;
        }
        if (field.startsWith(CLICK_IDS)) {
            return field.substring(CLICK_IDS.length());
        }
        return field.startsWith("properties.content_ids") ? "cid" : field;
    }

    private static void putIfPresent(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }
}
