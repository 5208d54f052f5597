package io.rebound.destinations.meta;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.EventNames;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.ClickIds;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.RequestBuilder;
import io.rebound.destinations.internal.Products;
import io.rebound.destinations.internal.Wire;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Meta's requests, built without I/O from a {@link MetaConfig}:
 * <ul>
 *   <li>{@code POST /{version}/act_{ad account}/customaudiences} {@code {name, subtype: CUSTOM,
 *       customer_file_source, description}};</li>
 *   <li>{@code POST} (add) or {@code DELETE} (remove) {@code /{version}/{audience}/users} with
 *       {@code {payload: {schema: [EMAIL, PHONE, FN, LN, CT, ST, ZIP, COUNTRY, EXTERN_ID(,
 *       DATA_PROCESSING_OPTIONS)], data: [[…], …]}}}, {@code ""} for an unknown value;</li>
 *   <li>{@code POST /{version}/{audience}/usersreplace} with the same payload and Meta's upload
 *       {@code session: {session_id, batch_seq, last_batch_flag, estimated_num_total}} (full reconciliation);</li>
 *   <li>{@code POST /{version}/act_{ad account}/customaudiences} {@code {name, description, rule, prefill}}: a
 *       website Custom Audience by rule on a segment's membership event;</li>
 *   <li>{@code POST /{version}/{pixel}/events} with {@code {data: [event…], test_event_code?}}.</li>
 * </ul>
 * The token travels as the {@code access_token} query parameter, as Meta documents it, so bodies
 * hold no credential. JSON bodies, fields in the order above.
 */
public final class MetaRequests extends RequestBuilder<MetaConfig> {

    /** The customer-list schema: every key Rebound may know, in a fixed order so all rows line up. */
    public static final List<String> SCHEMA = List.of("EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY", "EXTERN_ID");
    public static final String LDU_KEY = "DATA_PROCESSING_OPTIONS";
    public static final String LDU_COUNTRY_KEY = "DATA_PROCESSING_OPTIONS_COUNTRY";
    public static final String LDU_STATE_KEY = "DATA_PROCESSING_OPTIONS_STATE";

    public MetaRequests(MetaConfig config) {
        super(config, config.baseUrl(), "/" + config.apiVersion());
    }

    /** The URI of {@code path} with the token, as Meta takes it. */
    private URI withToken(String path) {
        return uri(path + "?access_token=" + URLEncoder.encode(config.accessToken(), StandardCharsets.UTF_8));
    }

    private static Map<String, String> jsonHeaders() {
        return Wire.headers("Content-Type", "application/json", "Accept", "application/json");
    }

    /** Creates a customer-file Custom Audience. */
    public WireRequest createAudience(String name, String description) {
        ObjectNode body = Json.object();
        body.put("name", name);
        body.put("subtype", "CUSTOM");
        body.put("customer_file_source", config.customerFileSource());
        if (description != null) {
            body.put("description", description);
        }
        return new WireRequest("POST", withToken("/act_" + config.adAccountId() + "/customaudiences"), jsonHeaders(), Json.bytes(body));
    }

    /** The longest retention of a website Custom Audience rule: 180 days. */
    public static final long MAX_RETENTION_SECONDS = 180L * 86_400;

    /**
     * Creates a website Custom Audience by rule: the people whose pixel or Conversions API events include
     * {@code eventName} in the last {@code retentionSeconds}, counting the pixel's past events ({@code prefill}).
     * No {@code subtype}: Meta stopped taking one for website audiences in September 2018. The rule is sent as
     * a JSON-encoded string, as Meta documents it: {@code {"inclusions": {"operator": "or", "rules":
     * [{"event_sources": [{"id": PIXEL, "type": "pixel"}], "retention_seconds": N, "filter": {"operator": "and",
     * "filters": [{"field": "event", "operator": "eq", "value": EVENT}]}}]}}}.
     */
    public WireRequest createWebsiteAudience(String name, String description, String eventName, long retentionSeconds) {
        if (config.pixelId() == null) {
            throw new IllegalStateException("no pixel id configured: a website Custom Audience needs one");
        }
        if (retentionSeconds < 1 || retentionSeconds > MAX_RETENTION_SECONDS) {
            throw new IllegalArgumentException("retention must be 1 second to 180 days, got " + retentionSeconds + " s");
        }
        ObjectNode rule = Json.object();
        ObjectNode inclusions = rule.putObject("inclusions");
        inclusions.put("operator", "or");
        ObjectNode r = inclusions.putArray("rules").addObject();
        ObjectNode source = r.putArray("event_sources").addObject();
        source.put("id", config.pixelId());
        source.put("type", "pixel");
        r.put("retention_seconds", retentionSeconds);
        ObjectNode filter = r.putObject("filter");
        filter.put("operator", "and");
        ObjectNode f = filter.putArray("filters").addObject();
        f.put("field", "event");
        f.put("operator", "eq");
        f.put("value", eventName);
        ObjectNode body = Json.object();
        body.put("name", name);
        if (description != null) {
            body.put("description", description);
        }
        body.put("rule", new String(Json.bytes(rule), StandardCharsets.UTF_8));
        body.put("prefill", true);
        return new WireRequest("POST", withToken("/act_" + config.adAccountId() + "/customaudiences"), jsonHeaders(), Json.bytes(body));
    }

    /**
     * The schema, with the Limited Data Use column when the store's policy asks for it, and the country
     * and state columns when the store fixed them (without them Meta geolocates each row).
     */
    public List<String> schema() {
        List<String> s = new ArrayList<>(SCHEMA);
        if (config.policy().limitedDataUse()) {
            s.add(LDU_KEY);
            if (!config.lduLocation().geolocated()) {
                s.add(LDU_COUNTRY_KEY);
                s.add(LDU_STATE_KEY);
            }
        }
        return s;
    }

    /**
     * The rows for one person: one row per email or phone (Meta's multi-key schema takes one value
     * of each key per row), names, address and external id on the first row only.
     */
    public List<ArrayNode> rows(MatchKeys keys, ConsentDecision decision) {
        int n = Math.max(1, Math.max(keys.emails().size(), Math.max(keys.phones().size(), keys.externalIds().size())));
        List<ArrayNode> rows = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            ArrayNode row = Json.array();
            row.add(at(keys.emails(), k));
            row.add(at(keys.phones(), k));
            row.add(k == 0 ? orEmpty(keys.firstName()) : "");
            row.add(k == 0 ? orEmpty(keys.lastName()) : "");
            row.add(k == 0 ? orEmpty(keys.city()) : "");
            row.add(k == 0 ? orEmpty(keys.state()) : "");
            row.add(k == 0 ? orEmpty(keys.zip()) : "");
            row.add(k == 0 ? orEmpty(keys.country()) : "");
            row.add(at(keys.externalIds(), k));
            if (config.policy().limitedDataUse()) {
                ArrayNode ldu = Json.array();
                if (decision.limitedDataUse()) {
                    ldu.add("LDU");
                }
                row.add(ldu);
                if (!config.lduLocation().geolocated()) {
                    row.add(decision.limitedDataUse() ? config.lduLocation().country() : 0);
                    row.add(decision.limitedDataUse() ? config.lduLocation().state() : 0);
                }
            }
            boolean any = false;
            for (int c = 0; c < SCHEMA.size(); c++) {
                any |= !row.get(c).asText().isEmpty();
            }
            if (any) {
                rows.add(row);
            }
        }
        return rows;
    }

    private static String at(List<String> values, int k) {
        return k < values.size() ? values.get(k) : "";
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Adds ({@code remove} false) or removes rows. */
    public WireRequest users(String audienceId, List<ArrayNode> rows, boolean remove) {
        return new WireRequest(remove ? "DELETE" : "POST", withToken("/" + audienceId + "/users"), jsonHeaders(),
                Json.bytes(usersBody(rows)));
    }

    private ObjectNode usersBody(List<ArrayNode> rows) {
        ObjectNode body = Json.object();
        ObjectNode payload = body.putObject("payload");
        payload.set("schema", Json.strings(schema()));
        ArrayNode data = payload.putArray("data");
        rows.forEach(data::add);
        return body;
    }

    /**
     * One batch of a {@code usersreplace} session: Meta replaces the list with the rows of all the
     * session's batches once the batch flagged last arrives.
     *
     * @param id             the session's id, unique per upload session (a 64-bit integer)
     * @param seq            the batch's place in the session, from 1
     * @param last           whether this is the session's last batch
     * @param estimatedTotal the rows the whole session carries
     */
    public record Session(long id, int seq, boolean last, long estimatedTotal) {
    }

    /** A batch of a replace session. */
    public WireRequest usersReplace(String audienceId, List<ArrayNode> rows, Session session) {
        return new WireRequest("POST", withToken("/" + audienceId + "/usersreplace"), jsonHeaders(),
                Json.bytes(replaceBody(rows, session)));
    }

    private ObjectNode replaceBody(List<ArrayNode> rows, Session session) {
        ObjectNode body = usersBody(rows);
        ObjectNode s = body.putObject("session");
        s.put("session_id", session.id());
        s.put("batch_seq", session.seq());
        s.put("last_batch_flag", session.last());
        s.put("estimated_num_total", session.estimatedTotal());
        return body;
    }

    /** The fixed part of a {@code usersreplace} body at its longest (largest ids, {@code false}). */
    public BatchPlanner.Framing replaceFraming(long estimatedTotal) {
        Session widest = new Session(Long.MAX_VALUE, Integer.MAX_VALUE, false, estimatedTotal);
        return new BatchPlanner.Framing(Json.bytes(replaceBody(List.of(), widest)).length, 1);
    }

    /** The fixed part of a {@code /users} body: everything but the rows, rows joined by commas. */
    public BatchPlanner.Framing usersFraming() {
        return new BatchPlanner.Framing(Json.bytes(usersBody(List.of())).length, 1);
    }

    /** One Conversions API event. */
    public ObjectNode event(ServerEvent e, MatchKeys keys, ConsentDecision decision) {
        ObjectNode ev = Json.object();
        ev.put("event_name", EventNames.of(Platform.META, e));
        ev.put("event_time", e.eventTime().getEpochSecond());
        ev.put("action_source", "website");
        if (e.pageUrl() != null) {
            ev.put("event_source_url", e.pageUrl());
        }
        ev.put("event_id", e.eventId());
        ObjectNode user = ev.putObject("user_data");
        if (!keys.emails().isEmpty()) {
            user.set("em", Json.strings(keys.emails()));
        }
        if (!keys.phones().isEmpty()) {
            user.set("ph", Json.strings(keys.phones()));
        }
        Json.putIf(user, "fn", keys.firstName());
        Json.putIf(user, "ln", keys.lastName());
        Json.putIf(user, "ct", keys.city());
        Json.putIf(user, "st", keys.state());
        Json.putIf(user, "zp", keys.zip());
        Json.putIf(user, "country", keys.country());
        if (!keys.externalIds().isEmpty()) {
            user.set("external_id", Json.strings(keys.externalIds()));
        }
        Json.putIf(user, "client_ip_address", e.ip());
        Json.putIf(user, "client_user_agent", e.userAgent());
        Json.putIf(user, "fbc", e.metaFbc());
        Json.putIf(user, "fbp", e.clickIds().get(ClickIds.FBP));
        ObjectNode custom = Json.object();
        if (e.value() != null) {
            custom.put("value", e.value());
        }
        Json.putIf(custom, "currency", e.currency());
        if (!e.products().isEmpty()) {
            custom.set("content_ids", Products.ids(e.products()));
            Products.contents(custom.putArray("contents"), e.products(), "id", "item_price");
            custom.put("content_type", "product");
            custom.put("num_items", Products.items(e.products()));
        }
        Json.putIf(custom, "order_id", e.orderId());
        if (!custom.isEmpty()) {
            ev.set("custom_data", custom);
        }
        if (decision.limitedDataUse()) {
            ev.set("data_processing_options", Json.strings(List.of("LDU")));
            ev.put("data_processing_options_country", config.lduLocation().country());
            ev.put("data_processing_options_state", config.lduLocation().state());
        }
        return ev;
    }

    /** A Conversions API request carrying {@code events}. */
    public WireRequest events(List<ObjectNode> events) {
        return new WireRequest("POST", withToken("/" + config.pixelId() + "/events"), jsonHeaders(), Json.bytes(eventsBody(events)));
    }

    private ObjectNode eventsBody(List<ObjectNode> events) {
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        events.forEach(data::add);
        if (config.testEventCode() != null) {
            body.put("test_event_code", config.testEventCode());
        }
        return body;
    }

    public BatchPlanner.Framing eventsFraming() {
        return new BatchPlanner.Framing(Json.bytes(eventsBody(List.of())).length, 1);
    }
}
