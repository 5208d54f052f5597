package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.destinations.internal.Json;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.rebound.destinations.contract.Checks.require;

/**
 * Meta's Marketing API (customer-file Custom Audiences) and Conversions API as documented: token in
 * {@code access_token}; {@code /users} payloads with a known schema, rows the schema's length, hashed
 * cells in 64 lower-case hex, at most 10,000 rows and {@link #maxBodyBytes} bytes; events at most
 * 1,000 per request and none older than 7 days. Errors are Graph errors
 * ({@code {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}}).
 */
public final class MetaContractServer extends PlatformContractServer {

    static final Set<String> SCHEMA_KEYS = Set.of("EMAIL", "EMAIL_SHA256", "PHONE", "PHONE_SHA256", "FN", "LN", "CT", "ST",
            "ZIP", "COUNTRY", "EXTERN_ID", "GEN", "DOBY", "DOBM", "DOBD", "FI", "MADID", "DATA_PROCESSING_OPTIONS",
            "DATA_PROCESSING_OPTIONS_COUNTRY", "DATA_PROCESSING_OPTIONS_STATE");
    static final Set<String> HASHED = Set.of("EMAIL", "EMAIL_SHA256", "PHONE", "PHONE_SHA256", "FN", "LN", "CT", "ST", "ZIP",
            "COUNTRY", "EXTERN_ID");
    static final Pattern USERS = Pattern.compile("/(v[0-9]+\\.[0-9])/([0-9]+)/users");
    static final Pattern USERS_REPLACE = Pattern.compile("/(v[0-9]+\\.[0-9])/([0-9]+)/usersreplace");
    static final Pattern CREATE = Pattern.compile("/(v[0-9]+\\.[0-9])/act_([0-9]+)/customaudiences");
    static final Pattern EVENTS = Pattern.compile("/(v[0-9]+\\.[0-9])/([0-9]+)/events");

    private final String token;
    private final String adAccountId;
    private final String pixelId;
    private final Clock clock;
    private final long maxBodyBytes;
    /** The open replace session of each audience: the rows of its batches so far, applied at the last. */
    private final Map<String, ReplaceSession> sessions = new LinkedHashMap<>();
    /** Session ids used so far (Meta: unique per session). */
    private final Set<Long> sessionIds = new HashSet<>();

    private static final class ReplaceSession {
        final long id;
        int seq;
        final Set<String> rows = new HashSet<>();

        ReplaceSession(long id) {
            this.id = id;
        }
    }

    public MetaContractServer(String token, String adAccountId, String pixelId, Clock clock, long maxBodyBytes) {
        super(23850000);
        this.token = token;
        this.adAccountId = adAccountId;
        this.pixelId = pixelId;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        start();
    }

    @Override
    protected synchronized Answer handle(Received r) {
        require(token.equals(r.query().get("access_token")), "access_token missing or wrong");
        Matcher m;
        if ((m = CREATE.matcher(r.path())).matches()) {
            require(r.method().equals("POST"), "customaudiences takes POST");
            require(m.group(2).equals(adAccountId), "unknown ad account act_" + m.group(2));
            return create(r);
        }
        if ((m = USERS.matcher(r.path())).matches()) {
            require(r.method().equals("POST") || r.method().equals("DELETE"), "users takes POST or DELETE");
            String id = m.group(2);
            if (!lists.containsKey(id)) {
                return error(400, 1487366, 0, "Custom audience " + id + " does not exist or was deleted");
            }
            return users(r, id, r.method().equals("DELETE"));
        }
        if ((m = USERS_REPLACE.matcher(r.path())).matches()) {
            require(r.method().equals("POST"), "usersreplace takes POST");
            String id = m.group(2);
            if (!lists.containsKey(id)) {
                return error(400, 1487366, 0, "Custom audience " + id + " does not exist or was deleted");
            }
            return replace(r, id);
        }
        if ((m = EVENTS.matcher(r.path())).matches()) {
            require(r.method().equals("POST"), "events takes POST");
            require(m.group(2).equals(pixelId), "unknown pixel " + m.group(2));
            return events(r);
        }
        throw new ContractViolation("no such Graph endpoint");
    }

    /** Website Custom Audiences created by rule: audience id → the event name its rule selects. */
    private final Map<String, String> websiteAudiences = new LinkedHashMap<>();

    /** The website Custom Audiences created, by id, each with the event name its rule selects. */
    public synchronized Map<String, String> websiteAudiences() {
        return Map.copyOf(websiteAudiences);
    }

    /**
     * A website Custom Audience by rule, as Meta documents it: no subtype (not taken for website audiences since
     * September 2018), {@code rule} a JSON-encoded string of {@code inclusions {operator, rules [{event_sources
     * [{id: this pixel, type: pixel}], retention_seconds 1 to 180 days, filter {operator, filters [{field,
     * operator, value}]}}]}}, at most 10 rules and 100 filters per rule.
     */
    private Answer createWebsite(JsonNode b) {
        Checks.onlyFields(b, "body", Set.of("name", "description", "rule", "prefill", "retention_days", "customer_file_source"));
        require(!b.has("customer_file_source"), "a website audience takes no customer_file_source");
        Checks.text(b, "name", "body");
        require(b.get("rule").isTextual(), "rule must be a JSON-encoded string");
        if (b.has("prefill")) {
            require(b.get("prefill").isBoolean(), "prefill must be a boolean");
        }
        JsonNode rule = jsonOf(b.get("rule").asText());
        Checks.onlyFields(rule, "rule", Set.of("inclusions", "exclusions"));
        JsonNode inc = rule.path("inclusions");
        Checks.onlyFields(inc, "rule.inclusions", Set.of("operator", "rules"));
        require(Set.of("and", "or").contains(inc.path("operator").asText()), "rule.inclusions.operator must be and or or");
        JsonNode rules = inc.path("rules");
        require(rules.isArray() && !rules.isEmpty() && rules.size() <= 10, "rule.inclusions.rules must hold 1 to 10 rules");
        String event = null;
        for (JsonNode one : rules) {
            Checks.onlyFields(one, "rule", Set.of("event_sources", "retention_seconds", "filter", "aggregation"));
            JsonNode sources = one.path("event_sources");
            require(sources.isArray() && sources.size() == 1, "event_sources must name the pixel");
            Checks.onlyFields(sources.get(0), "event_source", Set.of("id", "type"));
            require(pixelId.equals(sources.get(0).path("id").asText()), "event_sources id must be pixel " + pixelId);
            require("pixel".equals(sources.get(0).path("type").asText()), "event_sources type must be pixel");
            long retention = Checks.integer(one, "retention_seconds", "rule");
            require(retention >= 1 && retention <= 180L * 86_400, "retention_seconds must be 1 to 15552000 (180 days)");
            JsonNode filter = one.path("filter");
            Checks.onlyFields(filter, "filter", Set.of("operator", "filters"));
            require(Set.of("and", "or").contains(filter.path("operator").asText()), "filter.operator must be and or or");
            JsonNode filters = filter.path("filters");
            require(filters.isArray() && !filters.isEmpty() && filters.size() <= 100, "filter.filters must hold 1 to 100 filters");
            for (JsonNode f : filters) {
                Checks.onlyFields(f, "filter", Set.of("field", "operator", "value"));
                Checks.text(f, "field", "filter");
                require(Set.of("eq", "=", "i_contains", "i_not_contains", "contains", "neq").contains(f.path("operator").asText()),
                        "unknown filter operator " + f.path("operator"));
                String value = Checks.text(f, "value", "filter");
                if (f.path("field").asText().equals("event")) {
                    require(value.length() <= 50, "a custom event name is at most 50 characters");
                    event = value;
                }
            }
        }
        require(event != null, "the rule selects no event");
        String id = newList(new HashSet<>());
        websiteAudiences.put(id, event);
        ObjectNode out = Json.object();
        out.put("id", id);
        return Answer.json(200, out);
    }

    private static JsonNode jsonOf(String text) {
        try {
            return Json.parseStrict(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new ContractViolation("rule is not JSON: " + e.getMessage());
        }
    }

    private Answer create(Received r) {
        requireJson(r);
        JsonNode b = jsonBody(r);
        if (b.has("rule")) {
            require(!b.has("subtype"), "a website audience takes no subtype (not supported since September 2018)");
            return createWebsite(b);
        }
        Checks.onlyFields(b, "body", Set.of("name", "subtype", "customer_file_source", "description"));
        Checks.text(b, "name", "body");
        require("CUSTOM".equals(b.path("subtype").asText()), "subtype must be CUSTOM");
        require(Set.of("USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED")
                .contains(b.path("customer_file_source").asText()), "customer_file_source must be one of Meta's values");
        String id = newList(new HashSet<>());
        ObjectNode out = Json.object();
        out.put("id", id);
        return Answer.json(200, out);
    }

    /** A {@code /users} or {@code usersreplace} payload's match keys (hashed emails and phones) per row, checked. */
    private List<Set<String>> payloadRows(Received r, JsonNode b) {
        requireJson(r);
        require(r.body().length <= maxBodyBytes, "body of " + r.body().length + " bytes exceeds " + maxBodyBytes);
        JsonNode payload = b.path("payload");
        Checks.onlyFields(payload, "payload", Set.of("schema", "data"));
        JsonNode schema = payload.path("schema");
        require(schema.isArray() && !schema.isEmpty(), "payload.schema must be a non-empty array");
        List<String> keys = new ArrayList<>();
        schema.forEach(k -> {
            require(SCHEMA_KEYS.contains(k.asText()), "unknown schema key " + k);
            keys.add(k.asText());
        });
        boolean location = keys.contains("DATA_PROCESSING_OPTIONS_COUNTRY") || keys.contains("DATA_PROCESSING_OPTIONS_STATE");
        require(!location || keys.contains("DATA_PROCESSING_OPTIONS") && keys.contains("DATA_PROCESSING_OPTIONS_COUNTRY")
                && keys.contains("DATA_PROCESSING_OPTIONS_STATE"),
                "DATA_PROCESSING_OPTIONS_COUNTRY and _STATE come together, with DATA_PROCESSING_OPTIONS");
        JsonNode data = payload.path("data");
        require(data.isArray() && !data.isEmpty(), "payload.data must be a non-empty array");
        require(data.size() <= 10_000, "at most 10,000 rows per request, got " + data.size());
        List<Set<String>> rows = new ArrayList<>();
        for (JsonNode row : data) {
            require(row.isArray() && row.size() == keys.size(), "each row has one value per schema key");
            Set<String> matchKeys = new HashSet<>();
            for (int c = 0; c < keys.size(); c++) {
                JsonNode cell = row.get(c);
                String key = keys.get(c);
                if (key.equals("DATA_PROCESSING_OPTIONS")) {
                    require(cell.isArray() && (cell.isEmpty() || cell.size() == 1 && "LDU".equals(cell.get(0).asText())),
                            "DATA_PROCESSING_OPTIONS is [] or [\"LDU\"]");
                    continue;
                }
                if (key.equals("DATA_PROCESSING_OPTIONS_COUNTRY")) {
                    lduLocation(cell, row.get(keys.indexOf("DATA_PROCESSING_OPTIONS_STATE")), key);
                    continue;
                }
                if (key.equals("DATA_PROCESSING_OPTIONS_STATE")) {
                    continue;
                }
                require(cell.isTextual(), () -> key + " must be a string");
                if (HASHED.contains(key) && !cell.asText().isEmpty()) {
                    Checks.hash(cell, key);
                }
                if (!cell.asText().isEmpty() && (key.startsWith("EMAIL") || key.startsWith("PHONE"))) {
                    matchKeys.add(cell.asText());
                }
            }
            rows.add(matchKeys);
        }
        return rows;
    }

    /** Meta's location codes: country 0 (geolocate) or 1 (US); state 0 (geolocate) or a US state code from 1000. */
    private static void lduLocation(JsonNode country, JsonNode state, String what) {
        require(country != null && country.isInt() && state != null && state.isInt(), () -> what + ": country and state are integers");
        int c = country.asInt();
        int st = state.asInt();
        require(c == 0 || c == 1, () -> what + ": country is 0 (geolocate) or 1 (US), got " + c);
        require(st == 0 || st >= 1000 && st <= 1999 && c == 1, () -> what + ": state is 0, or a US state code (1000 California…) with country 1, got " + st);
    }

    private Answer users(Received r, String id, boolean remove) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("payload", "session"));
        List<Set<String>> rows = payloadRows(r, b);
        Set<String> members = lists.get(id);
        for (Set<String> row : rows) {
            if (remove) {
                members.removeAll(row);
            } else {
                members.addAll(row);
            }
        }
        return Answer.json(200, usersAnswer(id, "0", rows.size(), Map.of()));
    }

    /**
     * One batch of a replace session, as Meta documents it: {@code session_id} a 64-bit integer new for each
     * session, {@code batch_seq} from 1 and one more with each batch, {@code last_batch_flag} a boolean,
     * {@code estimated_num_total} an optional integer. The list keeps what it held until the batch flagged
     * last arrives; then it holds exactly the session's rows. A session left unfinished changes nothing.
     */
    private Answer replace(Received r, String id) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("payload", "session"));
        JsonNode session = b.path("session");
        require(session.isObject(), "usersreplace needs a session object");
        Checks.onlyFields(session, "session", Set.of("session_id", "batch_seq", "last_batch_flag", "estimated_num_total"));
        require(session.path("session_id").isIntegralNumber() && session.path("session_id").asLong() > 0,
                "session.session_id must be a positive 64-bit integer");
        require(session.path("batch_seq").isInt() && session.path("batch_seq").asInt() >= 1,
                "session.batch_seq must be an integer from 1");
        require(session.path("last_batch_flag").isBoolean(), "session.last_batch_flag must be a boolean");
        if (session.has("estimated_num_total")) {
            require(session.path("estimated_num_total").isIntegralNumber() && session.path("estimated_num_total").asLong() >= 0,
                    "session.estimated_num_total must be a non-negative integer");
        }
        long sessionId = session.path("session_id").asLong();
        int seq = session.path("batch_seq").asInt();
        List<Set<String>> rows = payloadRows(r, b);
        ReplaceSession open = sessions.get(id);
        if (seq == 1) {
            require(!sessionIds.contains(sessionId), "session_id " + sessionId + " was used before: a new session needs a new id");
            open = new ReplaceSession(sessionId); // an unfinished earlier session of this audience is abandoned
            sessions.put(id, open);
            sessionIds.add(sessionId);
        } else {
            require(open != null && open.id == sessionId, "batch_seq " + seq + " of session " + sessionId
                    + " continues no open session of audience " + id);
            require(seq == open.seq + 1, "batch_seq " + seq + " after " + open.seq + ": batches go 1, 2, 3, …");
        }
        open.seq = seq;
        rows.forEach(open.rows::addAll);
        if (session.path("last_batch_flag").asBoolean()) {
            lists.put(id, new HashSet<>(open.rows));
            sessions.remove(id);
        }
        return Answer.json(200, usersAnswer(id, String.valueOf(sessionId), rows.size(), Map.of()));
    }

    /** Replace sessions begun on the audience and not finished (0 or 1). */
    public synchronized int openReplaceSessions(String listId) {
        return sessions.containsKey(listId) ? 1 : 0;
    }

    private static ObjectNode usersAnswer(String id, String sessionId, int received, Map<String, String> invalid) {
        ObjectNode out = Json.object();
        out.put("audience_id", id);
        out.put("session_id", sessionId);
        out.put("num_received", received);
        out.put("num_invalid_entries", invalid.size());
        ObjectNode samples = out.putObject("invalid_entry_samples");
        invalid.forEach(samples::put);
        return out;
    }

    private Answer events(Received r) {
        requireJson(r);
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("data", "test_event_code"));
        JsonNode data = b.path("data");
        require(data.isArray() && !data.isEmpty() && data.size() <= 1_000, "data must hold 1 to 1,000 events");
        long now = clock.instant().getEpochSecond();
        for (JsonNode e : data) {
            Checks.onlyFields(e, "event", Set.of("event_name", "event_time", "action_source", "event_source_url", "event_id",
                    "user_data", "custom_data", "data_processing_options", "data_processing_options_country",
                    "data_processing_options_state", "opt_out"));
            Checks.text(e, "event_name", "event");
            long t = Checks.integer(e, "event_time", "event");
            if (t < now - Duration.ofDays(7).toSeconds()) {
                return error(400, 100, 2804003, "Invalid parameter: event_time more than 7 days ago");
            }
            require("website".equals(e.path("action_source").asText()), "action_source must be website");
            Checks.text(e, "event_id", "event");
            JsonNode u = e.path("user_data");
            Checks.onlyFields(u, "user_data", Set.of("em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id",
                    "client_ip_address", "client_user_agent", "fbc", "fbp"));
            Checks.hashArray(u, "em", "user_data");
            Checks.hashArray(u, "ph", "user_data");
            Checks.hashArray(u, "external_id", "user_data");
            for (String f : List.of("fn", "ln", "ct", "st", "zp", "country")) {
                if (u.has(f)) {
                    Checks.hash(u.get(f), "user_data." + f);
                }
            }
            if (e.has("data_processing_options")) {
                require(e.path("data_processing_options").toString().equals("[\"LDU\"]"), "data_processing_options is [\"LDU\"]");
                require(e.path("data_processing_options_country").isInt() && e.path("data_processing_options_state").isInt(),
                        "LDU needs data_processing_options_country and _state");
                lduLocation(e.get("data_processing_options_country"), e.get("data_processing_options_state"),
                        "data_processing_options_country");
            }
            if (e.has("custom_data")) {
                Checks.onlyFields(e.get("custom_data"), "custom_data", Set.of("value", "currency", "content_ids", "contents",
                        "content_type", "num_items", "order_id"));
            }
        }
        data.forEach(events::add);
        ObjectNode out = Json.object();
        out.put("events_received", data.size());
        out.putArray("messages");
        out.put("fbtrace_id", "AbCdEf");
        return Answer.json(200, out);
    }

    private static Answer error(int status, int code, int subcode, String message) {
        ObjectNode out = Json.object();
        ObjectNode e = out.putObject("error");
        e.put("message", message);
        e.put("type", code == 190 ? "OAuthException" : "GraphMethodException");
        e.put("code", code);
        if (subcode != 0) {
            e.put("error_subcode", subcode);
        }
        e.put("fbtrace_id", "AbCdEf");
        return Answer.json(status, out);
    }

    @Override
    protected Answer violation(String message) {
        return error(400, 100, 0, "(#100) Invalid parameter: " + message);
    }

    @Override
    protected synchronized Answer fault(Fault fault, Received r) {
        return switch (fault) {
            case Fault.Throttle t -> error(400, 80003, 2446079, "There have been too many calls to this ad-account.")
                    .withHeader("X-Business-Use-Case-Usage", "{\"" + adAccountId + "\":[{\"type\":\"custom_audience\","
                            + "\"call_count\":100,\"total_cputime\":20,\"total_time\":30,\"estimated_time_to_regain_access\":"
                            + Math.max(1, (t.seconds() + 59) / 60) + "}]}");
            case Fault.ServerError s -> error(s.status(), 2, 0, "An unexpected error has occurred. Please retry your request later.");
            case Fault.Permanent p -> error(400, 190, 463, "Error validating access token: Session has expired.");
            case Fault.Partial p -> partial(r, p.rows());
            case Fault.Timeout t -> throw new IllegalStateException("handled by the base class");
        };
    }

    private Answer partial(Received r, List<Integer> rows) {
        JsonNode data = jsonBody(r).path("payload").path("data");
        Map<String, String> invalid = new LinkedHashMap<>();
        for (int i : rows) {
            for (JsonNode cell : data.get(i)) {
                if (cell.isTextual() && !cell.asText().isEmpty()) {
                    invalid.put(cell.asText(), "Invalid format");
                    break;
                }
            }
        }
        Matcher m = USERS.matcher(r.path());
        require(m.matches() && lists.containsKey(m.group(2)), "a partial answer needs a /users request to a known audience");
        String id = m.group(2);
        users(r, id, r.method().equals("DELETE"));
        if (r.method().equals("POST")) {
            // Meta applies the valid rows only: undo the refused rows' keys.
            for (int i : rows) {
                data.get(i).forEach(cell -> lists.get(id).remove(cell.asText()));
            }
        }
        return Answer.json(200, usersAnswer(id, "0", data.size(), invalid));
    }
}
