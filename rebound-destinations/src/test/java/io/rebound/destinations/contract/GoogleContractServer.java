package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.destinations.internal.Json;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.rebound.destinations.contract.Checks.require;

/**
 * Google's Data Manager API as documented, plus an OAuth token endpoint at {@code /token} that
 * google-auth-library can be pointed at. The endpoint grants a token for a service account
 * assertion whose RS256 signature verifies against {@link #trustServiceAccount}'s key and whose
 * scope is the Data Manager scope, or for a known refresh token. API requests must carry a granted
 * (or {@link #acceptToken fixed}) bearer token; bodies are checked field by field: one
 * {@code GOOGLE_ADS} operating account, a known list, at most 10,000 members of 1 to 10 identifiers
 * each, hashes in 64 lower-case hex, plain upper-case region codes, {@code encoding HEX}, Customer
 * Match terms accepted on ingestion. Errors are {@code google.rpc.Status} bodies.
 */
public final class GoogleContractServer extends PlatformContractServer {

    public static final String SCOPE = "https://www.googleapis.com/auth/datamanager";
    static final Pattern LISTS = Pattern.compile("/v1/accountTypes/GOOGLE_ADS/accounts/([0-9]+)/userLists");

    private final String accountId;
    private final Set<String> tokens = new HashSet<>();
    private final Map<String, PublicKey> serviceAccounts = new LinkedHashMap<>();
    private final Map<String, String> refreshTokens = new LinkedHashMap<>();
    private int tokenRequests;
    private String ga4MeasurementId;
    private String ga4ApiSecret;
    private final List<JsonNode> ga4Events = new ArrayList<>();
    private int ga4Validations;

    public GoogleContractServer(String accountId) {
        super(7000);
        this.accountId = accountId;
        start();
    }

    public synchronized GoogleContractServer acceptToken(String token) {
        tokens.add(token);
        return this;
    }

    public synchronized GoogleContractServer trustServiceAccount(String clientEmail, PublicKey key) {
        serviceAccounts.put(clientEmail, key);
        return this;
    }

    public synchronized GoogleContractServer trustRefreshToken(String clientId, String refreshToken) {
        refreshTokens.put(refreshToken, clientId);
        return this;
    }

    /** Takes GA4 Measurement Protocol requests for this stream and secret (at {@code /mp/collect} and {@code /debug/mp/collect}). */
    public synchronized GoogleContractServer ga4Stream(String measurementId, String apiSecret) {
        ga4MeasurementId = measurementId;
        ga4ApiSecret = apiSecret;
        return this;
    }

    /** The GA4 events collected (not validated), each with its request's {@code client_id} and {@code consent} added. */
    public synchronized List<JsonNode> ga4Events() {
        return List.copyOf(ga4Events);
    }

    /** Requests the GA4 validation server checked. */
    public synchronized int ga4Validations() {
        return ga4Validations;
    }

    public synchronized int tokenRequests() {
        return tokenRequests;
    }

    @Override
    protected synchronized Answer handle(Received r) {
        if (r.path().equals("/token")) {
            return token(r);
        }
        if (r.path().equals("/mp/collect") || r.path().equals("/debug/mp/collect")) {
            return ga4(r, r.path().startsWith("/debug"));
        }
        String auth = r.header("authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
            return status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", null);
        }
        requireJson(r);
        Matcher m = LISTS.matcher(r.path());
        if (m.matches()) {
            require(r.method().equals("POST"), "userLists.create takes POST");
            require(m.group(1).equals(accountId), "unknown account " + m.group(1));
            return createList(r);
        }
        require(r.method().equals("POST"), "Data Manager ingestion takes POST");
        return switch (r.path()) {
            case "/v1/audienceMembers:ingest" -> members(r, true);
            case "/v1/audienceMembers:remove" -> members(r, false);
            case "/v1/events:ingest" -> events(r);
            default -> throw new ContractViolation("no such Data Manager method " + r.path());
        };
    }

    private Answer token(Received r) {
        tokenRequests++;
        require(r.method().equals("POST"), "the token endpoint takes POST");
        Map<String, String> form = Received.parseQuery(r.bodyText());
        String grant = form.get("grant_type");
        if ("urn:ietf:params:oauth:grant-type:jwt-bearer".equals(grant)) {
            String[] parts = form.getOrDefault("assertion", "").split("\\.");
            require(parts.length == 3, "assertion must be a signed JWT");
            JsonNode header = Json.parseStrict(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = Json.parseStrict(Base64.getUrlDecoder().decode(parts[1]));
            require("RS256".equals(header.path("alg").asText()), "assertion must be RS256");
            PublicKey key = serviceAccounts.get(claims.path("iss").asText());
            if (key == null || !verifies(key, parts)) {
                return oauthError("invalid_grant", "Invalid JWT Signature.");
            }
            require(claims.path("scope").asText().contains(SCOPE), "assertion must ask for the Data Manager scope");
            require(claims.path("aud").asText().endsWith("/token"), "assertion audience must be the token endpoint");
            return granted();
        }
        if ("refresh_token".equals(grant)) {
            String clientId = refreshTokens.get(form.get("refresh_token"));
            if (clientId == null || !clientId.equals(form.get("client_id"))) {
                return oauthError("invalid_grant", "Token has been expired or revoked.");
            }
            return granted();
        }
        return oauthError("unsupported_grant_type", "Invalid grant_type: " + grant);
    }

    private static boolean verifies(PublicKey key, String[] jwt) {
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initVerify(key);
            s.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
            return s.verify(Base64.getUrlDecoder().decode(jwt[2]));
        } catch (Exception e) {
            return false;
        }
    }

    private Answer granted() {
        String t = "ya29.local-" + tokens.size();
        tokens.add(t);
        ObjectNode out = Json.object();
        out.put("access_token", t);
        out.put("expires_in", 3599);
        out.put("token_type", "Bearer");
        return Answer.json(200, out);
    }

    private static Answer oauthError(String error, String description) {
        ObjectNode out = Json.object();
        out.put("error", error);
        out.put("error_description", description);
        return Answer.json(400, out);
    }

    private Answer createList(Received r) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "UserList", Set.of("displayName", "description", "membershipDuration", "ingestedUserListInfo",
                "integrationCode"));
        Checks.text(b, "displayName", "UserList");
        String duration = Checks.text(b, "membershipDuration", "UserList");
        require(duration.matches("[0-9]+s") && Long.parseLong(duration.replace("s", "")) % 86_400 == 0,
                "membershipDuration must be whole days in seconds, e.g. 7776000s");
        JsonNode info = b.path("ingestedUserListInfo");
        require(info.path("uploadKeyTypes").toString().equals("[\"CONTACT_ID\"]"), "uploadKeyTypes must be [CONTACT_ID]");
        require("DATA_SOURCE_TYPE_FIRST_PARTY".equals(info.path("contactIdInfo").path("dataSourceType").asText()),
                "contactIdInfo.dataSourceType must be a DataSourceType");
        String id = newList(new HashSet<>());
        ObjectNode out = Json.object();
        out.put("name", "accountTypes/GOOGLE_ADS/accounts/" + accountId + "/userLists/" + id);
        out.put("id", id);
        out.put("displayName", b.path("displayName").asText());
        return Answer.json(200, out);
    }

    private String destination(JsonNode b) {
        JsonNode ds = b.path("destinations");
        require(ds.isArray() && ds.size() == 1, "destinations must hold one destination");
        JsonNode d = ds.get(0);
        Checks.onlyFields(d, "destination", Set.of("reference", "loginAccount", "linkedAccount", "operatingAccount",
                "productDestinationId"));
        JsonNode op = d.path("operatingAccount");
        Checks.onlyFields(op, "operatingAccount", Set.of("accountType", "accountId"));
        require("GOOGLE_ADS".equals(op.path("accountType").asText()), "operatingAccount.accountType must be GOOGLE_ADS");
        require(accountId.equals(op.path("accountId").asText()), "operatingAccount.accountId must be " + accountId);
        return Checks.text(d, "productDestinationId", "destination");
    }

    private List<String> userData(JsonNode userData, String where) {
        Checks.onlyFields(userData, where, Set.of("userIdentifiers"));
        JsonNode ids = userData.path("userIdentifiers");
        require(ids.isArray() && !ids.isEmpty() && ids.size() <= 10, where + ".userIdentifiers must hold 1 to 10 identifiers");
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) {
            require(id.size() == 1, "a UserIdentifier has exactly one of emailAddress, phoneNumber, address");
            if (id.has("emailAddress")) {
                out.add(Checks.hash(id.get("emailAddress"), where + ".emailAddress"));
            } else if (id.has("phoneNumber")) {
                out.add(Checks.hash(id.get("phoneNumber"), where + ".phoneNumber"));
            } else if (id.has("address")) {
                JsonNode a = id.get("address");
                Checks.onlyFields(a, "address", Set.of("givenName", "familyName", "regionCode", "postalCode"));
                String given = Checks.hash(a.get("givenName"), "address.givenName");
                String family = Checks.hash(a.get("familyName"), "address.familyName");
                String region = Checks.text(a, "regionCode", "address");
                require(region.matches("[A-Z]{2}"), "address.regionCode must be ISO-3166-1 alpha-2, got " + region);
                String postal = Checks.text(a, "postalCode", "address");
                require(!Checks.isLowerHex64(postal), "address.postalCode must not be hashed");
                out.add(given + "|" + family + "|" + region + "|" + postal);
            } else {
                throw new ContractViolation("unknown identifier " + id);
            }
        }
        return out;
    }

    private static void consent(JsonNode c, String where) {
        if (c == null) {
            return;
        }
        Checks.onlyFields(c, where, Set.of("adUserData", "adPersonalization"));
        c.forEach(v -> require(Set.of("CONSENT_GRANTED", "CONSENT_DENIED").contains(v.asText()), where + " has " + v));
    }

    private Answer members(Received r, boolean ingest) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "request", ingest
                ? Set.of("destinations", "audienceMembers", "consent", "validateOnly", "encoding", "termsOfService")
                : Set.of("destinations", "audienceMembers", "validateOnly", "encoding"));
        String listId = destination(b);
        require("HEX".equals(b.path("encoding").asText()), "encoding is required for UserData: HEX");
        JsonNode members = b.path("audienceMembers");
        require(members.isArray() && !members.isEmpty(), "audienceMembers must not be empty");
        if (members.size() > 10_000) {
            return status(400, "INVALID_ARGUMENT", "Too many audience members.", "TOO_MANY_AUDIENCE_MEMBERS");
        }
        if (!lists.containsKey(listId)) {
            return status(400, "INVALID_ARGUMENT", "User list is not valid.", "INVALID_USER_LIST_ID");
        }
        if (ingest && !"ACCEPTED".equals(b.path("termsOfService").path("customerMatchTermsOfServiceStatus").asText())) {
            return status(400, "INVALID_ARGUMENT", "Required terms and conditions are not accepted.", "TERMS_AND_CONDITIONS_NOT_SIGNED");
        }
        List<List<String>> all = new ArrayList<>();
        for (JsonNode m : members) {
            Checks.onlyFields(m, "audienceMember", Set.of("userData", "consent"));
            require(ingest || !m.has("consent"), "removal takes no consent");
            consent(m.get("consent"), "audienceMember.consent");
            all.add(userData(m.path("userData"), "audienceMember.userData"));
        }
        if (!b.path("validateOnly").asBoolean(false)) {
            Set<String> list = lists.get(listId);
            all.forEach(ids -> {
                if (ingest) {
                    list.addAll(ids);
                } else {
                    list.removeAll(ids);
                }
            });
        }
        ObjectNode out = Json.object();
        out.put("requestId", "req-" + r.body().length);
        return Answer.json(200, out);
    }

    private Answer events(Received r) {
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "request", Set.of("destinations", "events", "consent", "validateOnly", "encoding"));
        destination(b);
        JsonNode es = b.path("events");
        require(es.isArray() && !es.isEmpty() && es.size() <= 2_000, "events must hold 1 to 2,000 events");
        for (JsonNode e : es) {
            Checks.onlyFields(e, "event", Set.of("destinationReferences", "transactionId", "eventTimestamp", "userData",
                    "consent", "adIdentifiers", "currency", "conversionValue", "eventSource", "cartData"));
            String ts = Checks.text(e, "eventTimestamp", "event");
            require(ts.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), "eventTimestamp must be RFC 3339 UTC");
            if (e.has("userData")) {
                userData(e.get("userData"), "event.userData");
            }
            consent(e.get("consent"), "event.consent");
            if (e.has("adIdentifiers")) {
                Checks.onlyFields(e.get("adIdentifiers"), "adIdentifiers", Set.of("gclid", "gbraid", "wbraid", "sessionAttributes"));
            }
            require(e.has("userData") || e.has("adIdentifiers"), "an event needs user identifiers or ad identifiers");
            require("WEB".equals(e.path("eventSource").asText()), "eventSource WEB");
            if (e.has("conversionValue")) {
                require(e.get("conversionValue").isNumber(), "conversionValue must be a number");
            }
        }
        es.forEach(events::add);
        ObjectNode out = Json.object();
        out.put("requestId", "req-events");
        return Answer.json(200, out);
    }

    private static final Pattern GA4_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,39}");
    private static final Set<String> GA4_RESERVED = Set.of("ad_activeview", "ad_click", "ad_exposure", "ad_query",
            "ad_reward", "adunit_exposure", "app_background", "app_clear_data", "app_exception", "app_remove",
            "app_store_refund", "app_store_subscription_cancel", "app_store_subscription_convert",
            "app_store_subscription_renew", "app_update", "app_upgrade", "dynamic_link_app_open", "dynamic_link_app_update",
            "dynamic_link_first_open", "error", "first_open", "first_visit", "in_app_purchase", "notification_dismiss",
            "notification_foreground", "notification_open", "notification_receive", "os_update", "session_start",
            "session_start_with_rollout", "user_engagement");
    private static final Set<String> ITEM_FIELDS = Set.of("item_id", "item_name", "affiliation", "coupon", "discount",
            "index", "item_brand", "item_category", "item_category2", "item_category3", "item_category4", "item_category5",
            "item_list_id", "item_list_name", "item_variant", "location_id", "price", "quantity");

    private static void ga4Name(String name, String what) {
        require(GA4_NAME.matcher(name).matches(), what + " must be 1 to 40 letters, digits or underscores starting with a letter: "
                + name);
        require(!name.startsWith("firebase_") && !name.startsWith("ga_") && !name.startsWith("google_"),
                what + " uses a reserved prefix: " + name);
    }

    /**
     * GA4 Measurement Protocol: the stream and secret in the query, a JSON body of one client's events, every
     * documented limit. The collection endpoint answers 204 without a body (GA4 answers 2xx to whatever it
     * received); the validation server answers {@code {"validationMessages": []}} and records nothing.
     */
    private Answer ga4(Received r, boolean validate) {
        require(r.method().equals("POST"), "the Measurement Protocol takes POST");
        require(ga4MeasurementId != null, "no GA4 stream configured on the contract server");
        require(ga4MeasurementId.equals(r.query().get("measurement_id")), "measurement_id must be " + ga4MeasurementId);
        require(ga4ApiSecret.equals(r.query().get("api_secret")), "api_secret is not the stream's secret");
        require(r.header("authorization") == null, "the Measurement Protocol takes no Authorization header");
        requireJson(r);
        require(r.body().length < 130_000, "the body must be smaller than 130 kB, got " + r.body().length + " bytes");
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "request", Set.of("client_id", "user_id", "timestamp_micros", "user_properties", "consent",
                "non_personalized_ads", "events", "user_data", "user_location", "ip_override", "device", "validation_behavior"));
        String clientId = Checks.text(b, "client_id", "request");
        require(clientId.matches("[0-9]+\\.[0-9]+"), "client_id must be the _ga cookie's client id (123.456), got " + clientId);
        if (b.has("consent")) {
            Checks.onlyFields(b.get("consent"), "consent", Set.of("ad_user_data", "ad_personalization"));
            b.get("consent").forEach(v -> require(Set.of("GRANTED", "DENIED").contains(v.asText()), "consent has " + v));
        }
        JsonNode es = b.path("events");
        require(es.isArray() && !es.isEmpty() && es.size() <= 25, "events must hold 1 to 25 events");
        for (JsonNode e : es) {
            Checks.onlyFields(e, "event", Set.of("name", "params", "timestamp_micros"));
            String name = Checks.text(e, "name", "event");
            ga4Name(name, "event name");
            require(!GA4_RESERVED.contains(name), "event name is reserved: " + name);
            if (e.has("timestamp_micros")) {
                Checks.integer(e, "timestamp_micros", "event");
            }
            JsonNode params = e.path("params");
            if (e.has("params")) {
                require(params.isObject() && params.size() <= 25, "params must be an object of at most 25 parameters");
                params.properties().forEach(p -> {
                    ga4Name(p.getKey(), "parameter name");
                    if (p.getValue().isTextual()) {
                        require(p.getValue().asText().length() <= 100, "parameter " + p.getKey() + " is longer than 100 characters");
                    }
                });
                if (params.has("value")) {
                    require(params.get("value").isNumber(), "value must be a number");
                    require(params.path("currency").asText("").matches("[A-Z]{3}"), "value needs a currency (ISO 4217)");
                }
                if (name.equals("purchase")) {
                    Checks.text(params, "transaction_id", "purchase.params");
                }
                if (params.has("items")) {
                    JsonNode items = params.get("items");
                    require(items.isArray() && items.size() <= 200, "items must be an array of at most 200 items");
                    for (JsonNode item : items) {
                        Checks.onlyFields(item, "item", ITEM_FIELDS);
                        require(item.has("item_id") || item.has("item_name"), "an item needs item_id or item_name");
                        item.properties().forEach(f -> require(!f.getValue().isTextual() || f.getValue().asText().length() <= 100,
                                "item." + f.getKey() + " is longer than 100 characters"));
                        if (item.has("price")) {
                            require(item.get("price").isNumber(), "item.price must be a number");
                        }
                        if (item.has("quantity")) {
                            require(item.get("quantity").isIntegralNumber(), "item.quantity must be an integer");
                        }
                    }
                }
            }
        }
        if (validate) {
            ga4Validations++;
            ObjectNode out = Json.object();
            out.putArray("validationMessages");
            return Answer.json(200, out);
        }
        for (JsonNode e : es) {
            ObjectNode copy = e.deepCopy();
            copy.put("client_id", clientId);
            if (b.has("consent")) {
                copy.set("consent", b.get("consent"));
            }
            ga4Events.add(copy);
        }
        return Answer.empty(204);
    }

    private static Answer status(int code, String status, String message, String reason) {
        ObjectNode out = Json.object();
        ObjectNode e = out.putObject("error");
        e.put("code", code);
        e.put("message", message);
        e.put("status", status);
        if (reason != null) {
            ArrayNode details = e.putArray("details");
            ObjectNode info = details.addObject();
            info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            info.put("reason", reason);
            info.put("domain", "datamanager.googleapis.com");
        }
        return Answer.json(code, out);
    }

    @Override
    protected Answer violation(String message) {
        return status(400, "INVALID_ARGUMENT", message, "INVALID_ARGUMENT");
    }

    @Override
    protected Answer fault(Fault fault, Received r) {
        return switch (fault) {
            case Fault.Throttle t -> status(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests per minute'.",
                    "RESOURCE_EXHAUSTED").withHeader("Retry-After", String.valueOf(t.seconds()));
            case Fault.ServerError s -> status(s.status(), s.status() == 503 ? "UNAVAILABLE" : "INTERNAL",
                    "The service is currently unavailable.", null);
            case Fault.Permanent p -> status(403, "PERMISSION_DENIED", "The caller does not have permission", "PERMISSION_DENIED");
            case Fault.Partial p -> {
                ObjectNode out = (ObjectNode) status(400, "INVALID_ARGUMENT", "There was a problem with the request.",
                        "INVALID_ARGUMENT").body();
                ObjectNode bad = ((ArrayNode) out.path("error").path("details")).addObject();
                bad.put("@type", "type.googleapis.com/google.rpc.BadRequest");
                ArrayNode violations = bad.putArray("fieldViolations");
                for (int i : p.rows()) {
                    ObjectNode v = violations.addObject();
                    v.put("field", "audience_members.audience_members[" + i + "].user_data.user_identifiers[0]");
                    v.put("description", "The SHA256 encoded value is malformed.");
                    v.put("reason", "INVALID_SHA256_FORMAT");
                }
                yield Answer.json(400, out);
            }
            case Fault.Timeout t -> throw new IllegalStateException("handled by the base class");
        };
    }
}
