package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.destinations.internal.Json;

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
 * Pinterest's API v5 as documented: customer lists of comma-separated hashed emails created,
 * patched with {@code ADD}/{@code REMOVE} and turned into {@code CUSTOMER_LIST} audiences under the
 * API token; Conversions API batches of 1 to 1,000 events under the conversion token, with hashed
 * {@code user_data} arrays, string {@code value}s and {@code event_name} from Pinterest's set; a
 * {@code ?test=true} batch is validated and not recorded. A batch with failed events is answered
 * 422 with a status per event. Errors are {@code {"code", "message"}}.
 */
public final class PinterestContractServer extends PlatformContractServer {

    static final Set<String> EVENT_NAMES = Set.of("add_to_cart", "checkout", "custom", "lead", "page_visit", "search", "signup",
            "view_category", "watch_video");
    static final Pattern LIST = Pattern.compile("/v5/ad_accounts/([0-9]+)/customer_lists/([0-9]+)");

    private final String adAccountId;
    private final String apiToken;
    private final String conversionToken;
    private final Map<String, String> audiences = new LinkedHashMap<>();

    public PinterestContractServer(String adAccountId, String apiToken, String conversionToken) {
        super(5490);
        this.adAccountId = adAccountId;
        this.apiToken = apiToken;
        this.conversionToken = conversionToken;
        start();
    }

    /** The customer list an audience was made from. */
    public synchronized String listOfAudience(String audienceId) {
        return audiences.get(audienceId);
    }

    private boolean authorised(Received r, String token) {
        return ("Bearer " + token).equals(r.header("authorization"));
    }

    @Override
    protected synchronized Answer handle(Received r) {
        String prefix = "/v5/ad_accounts/" + adAccountId;
        boolean eventsPath = r.path().equals(prefix + "/events");
        if (!authorised(r, eventsPath ? conversionToken : apiToken)) {
            return error(401, 2, "Authentication failed.");
        }
        requireJson(r);
        if (eventsPath) {
            require(r.method().equals("POST"), "events take POST");
            return events(r);
        }
        if (r.path().equals(prefix + "/customer_lists")) {
            require(r.method().equals("POST"), "customer_lists takes POST");
            return createList(r);
        }
        if (r.path().equals(prefix + "/audiences")) {
            require(r.method().equals("POST"), "audiences takes POST");
            return createAudience(r);
        }
        Matcher m = LIST.matcher(r.path());
        if (m.matches() && m.group(1).equals(adAccountId)) {
            require(r.method().equals("PATCH"), "a customer list is updated with PATCH");
            return updateList(r, m.group(2));
        }
        return error(404, 4, "Not found.");
    }

    private static List<String> records(JsonNode b) {
        String records = Checks.text(b, "records", "body");
        List<String> out = new ArrayList<>();
        for (String rec : records.split(",")) {
            require(Checks.isLowerHex64(rec), "each record is a SHA-256 in 64 lower-case hex, got '" + rec + "'");
            out.add(rec);
        }
        require(out.size() <= 10_000, "at most 10,000 records per request (Rebound's bound)");
        return out;
    }

    private static ObjectNode list(String id, String name, String adAccountId, int size) {
        ObjectNode out = Json.object();
        out.put("ad_account_id", adAccountId);
        out.put("id", id);
        out.put("name", name);
        out.put("num_uploaded_user_records", size);
        out.put("status", "PROCESSING");
        out.put("type", "customerlist");
        return out;
    }

    private Answer createList(Received r) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("name", "records", "list_type"));
        String name = Checks.text(b, "name", "body");
        require("EMAIL".equals(b.path("list_type").asText()), "list_type must be EMAIL for hashed emails");
        List<String> records = records(b);
        String id = newList(new HashSet<>(records));
        return Answer.json(200, list(id, name, adAccountId, records.size()));
    }

    private Answer createAudience(Received r) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("ad_account_id", "name", "rule", "audience_type", "description"));
        Checks.text(b, "name", "body");
        require("CUSTOMER_LIST".equals(b.path("audience_type").asText()), "audience_type must be CUSTOMER_LIST");
        String listId = Checks.text(b.path("rule"), "customer_list_id", "rule");
        if (!lists.containsKey(listId)) {
            return error(400, 2, "Customer list " + listId + " not found.");
        }
        String id = newId();
        audiences.put(id, listId);
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("audience_type", "CUSTOMER_LIST");
        return Answer.json(200, out);
    }

    private Answer updateList(Received r, String id) {
        if (!lists.containsKey(id)) {
            return error(404, 2, "Customer list not found.");
        }
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("records", "operation_type", "exceptions"));
        String op = Checks.text(b, "operation_type", "body");
        require(op.equals("ADD") || op.equals("REMOVE"), "operation_type must be ADD or REMOVE");
        List<String> records = records(b);
        if (op.equals("ADD")) {
            lists.get(id).addAll(records);
        } else {
            records.forEach(lists.get(id)::remove);
        }
        return Answer.json(200, list(id, "list", adAccountId, records.size()));
    }

    private Answer events(Received r) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("data"));
        JsonNode data = b.path("data");
        require(data.isArray() && !data.isEmpty() && data.size() <= 1_000, "data must hold 1 to 1,000 events");
        for (JsonNode e : data) {
            Checks.onlyFields(e, "event", Set.of("event_name", "action_source", "event_time", "event_id", "event_source_url",
                    "opt_out", "partner_name", "user_data", "custom_data", "app_id", "app_name", "app_version",
                    "device_brand", "device_carrier", "device_model", "device_type", "os_version", "wifi", "language"));
            require(EVENT_NAMES.contains(e.path("event_name").asText()), "event_name must be one of Pinterest's, got "
                    + e.path("event_name"));
            require("web".equals(e.path("action_source").asText()), "action_source must be web");
            Checks.integer(e, "event_time", "event");
            Checks.text(e, "event_id", "event");
            JsonNode u = e.path("user_data");
            Checks.onlyFields(u, "user_data", Set.of("em", "hashed_maids", "client_ip_address", "client_user_agent", "ph", "ge",
                    "db", "ln", "fn", "ct", "st", "zp", "country", "external_id", "click_id", "partner_id"));
            for (String f : List.of("em", "ph", "ge", "db", "ln", "fn", "ct", "st", "zp", "country", "external_id")) {
                Checks.hashArray(u, f, "user_data");
            }
            require(u.has("em") || u.has("hashed_maids") || u.has("client_ip_address") && u.has("client_user_agent"),
                    "user_data needs em, hashed_maids, or client_ip_address with client_user_agent");
            if (e.has("custom_data")) {
                JsonNode c = e.get("custom_data");
                Checks.onlyFields(c, "custom_data", Set.of("currency", "value", "content_ids", "content_name",
                        "content_category", "content_brand", "contents", "num_items", "order_id", "search_string",
                        "opt_out_type", "np", "predicted_ltv"));
                if (c.has("value")) {
                    require(c.get("value").isTextual(), "custom_data.value is a string");
                }
                if (c.has("opt_out_type")) {
                    require("LDP".equals(c.get("opt_out_type").asText()), "opt_out_type LDP");
                }
                for (JsonNode item : c.path("contents")) {
                    require(!item.has("item_price") || item.get("item_price").isTextual(), "contents[].item_price is a string");
                }
            }
        }
        if (!"true".equals(r.query().get("test"))) {
            data.forEach(events::add);
        }
        return Answer.json(200, eventsAnswer(data.size(), List.of()));
    }

    private static ObjectNode eventsAnswer(int received, List<Integer> failed) {
        ObjectNode out = Json.object();
        out.put("num_events_received", received);
        out.put("num_events_processed", received - failed.size());
        ArrayNode es = out.putArray("events");
        for (int i = 0; i < received; i++) {
            ObjectNode e = es.addObject();
            if (failed.contains(i)) {
                e.put("status", "failed");
                e.put("error_message", "'em' is not a valid SHA-256 hash");
            } else {
                e.put("status", "processed");
            }
        }
        return out;
    }

    private static Answer error(int status, int code, String message) {
        ObjectNode out = Json.object();
        out.put("code", code);
        out.put("message", message);
        return Answer.json(status, out);
    }

    @Override
    protected Answer violation(String message) {
        return error(400, 1, "Invalid request: " + message);
    }

    @Override
    protected Answer fault(Fault fault, Received r) {
        return switch (fault) {
            case Fault.Throttle t -> error(429, 8, "You have exceeded your rate limit. Try again later.")
                    .withHeader("Retry-After", String.valueOf(t.seconds()));
            case Fault.ServerError s -> error(s.status(), 3, "Internal error.");
            case Fault.Permanent p -> error(401, 2, "Authentication failed.");
            case Fault.Partial p -> Answer.json(422, eventsAnswer(jsonBody(r).path("data").size(), p.rows()));
            case Fault.Timeout t -> throw new IllegalStateException("handled by the base class");
        };
    }
}
