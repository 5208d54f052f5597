package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.ClickIds;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.RequestBuilder;
import io.rebound.destinations.internal.Wire;

import java.util.List;
import java.util.Map;

/**
 * Google Data Manager API requests, built without I/O ({@code Authorization: Bearer} with the token
 * given):
 * <ul>
 *   <li>{@code POST /v1/accountTypes/GOOGLE_ADS/accounts/{account}/userLists}: a Customer Match list
 *       ({@code displayName, description, membershipDuration "{days×86400}s", ingestedUserListInfo
 *       {uploadKeyTypes [CONTACT_ID], contactIdInfo {dataSourceType DATA_SOURCE_TYPE_FIRST_PARTY}}});</li>
 *   <li>{@code POST /v1/audienceMembers:ingest} and {@code :remove}: {@code destinations [{operatingAccount
 *       {accountType GOOGLE_ADS, accountId}, loginAccount?, productDestinationId}]}, {@code audienceMembers
 *       [{userData {userIdentifiers [{emailAddress} | {phoneNumber} | {address {givenName, familyName,
 *       regionCode, postalCode}}]}, consent?}]}, {@code validateOnly?}, {@code encoding HEX},
 *       {@code termsOfService {customerMatchTermsOfServiceStatus ACCEPTED}} (ingest);</li>
 *   <li>{@code POST /v1/events:ingest}: {@code events [{transactionId, eventTimestamp, userData?,
 *       consent?, adIdentifiers {gclid, gbraid, wbraid}?, currency?, conversionValue?, eventSource WEB}]}.</li>
 * </ul>
 */
public final class GoogleRequests extends RequestBuilder<GoogleConfig> {

    public GoogleRequests(GoogleConfig config) {
        super(config, config.baseUrl(), "/" + config.apiVersion());
    }

    private Map<String, String> headers(String token) {
        Map<String, String> h = Wire.headers("Authorization", "Bearer " + token, "Content-Type", "application/json");
        if (config.loginAccountId() != null) {
            h.put("login-account", "accountTypes/GOOGLE_ADS/accounts/" + config.loginAccountId());
        }
        return h;
    }

    public WireRequest createUserList(String name, String description, String token) {
        ObjectNode body = Json.object();
        body.put("displayName", name);
        if (description != null) {
            body.put("description", description);
        }
        body.put("membershipDuration", config.membershipDays() * 86_400L + "s");
        ObjectNode info = body.putObject("ingestedUserListInfo");
        info.set("uploadKeyTypes", Json.strings(List.of("CONTACT_ID")));
        info.putObject("contactIdInfo").put("dataSourceType", "DATA_SOURCE_TYPE_FIRST_PARTY");
        return new WireRequest("POST", uri("/accountTypes/GOOGLE_ADS/accounts/" + config.operatingAccountId() + "/userLists"),
                headers(token), Json.bytes(body));
    }

    private ObjectNode destination(String productDestinationId) {
        ObjectNode d = Json.object();
        ObjectNode op = d.putObject("operatingAccount");
        op.put("accountType", "GOOGLE_ADS");
        op.put("accountId", config.operatingAccountId());
        if (config.loginAccountId() != null) {
            ObjectNode login = d.putObject("loginAccount");
            login.put("accountType", "GOOGLE_ADS");
            login.put("accountId", config.loginAccountId());
        }
        d.put("productDestinationId", productDestinationId);
        return d;
    }

    /** A member's user data: email and phone identifiers, then the address, at most the platform's per-member limit. */
    public ObjectNode userData(MatchKeys keys) {
        ObjectNode userData = Json.object();
        ArrayNode ids = userData.putArray("userIdentifiers");
        int max = config.limits().identifiersPerMember();
        for (String e : keys.emails()) {
            if (ids.size() < max) {
                ids.addObject().put("emailAddress", e);
            }
        }
        for (String p : keys.phones()) {
            if (ids.size() < max) {
                ids.addObject().put("phoneNumber", p);
            }
        }
        if (keys.hasNameAndPostalAddress() && ids.size() < max) {
            ObjectNode a = ids.addObject().putObject("address");
            a.put("givenName", keys.firstName());
            a.put("familyName", keys.lastName());
            a.put("regionCode", keys.country());
            a.put("postalCode", keys.zip());
        }
        return userData;
    }

    private static ObjectNode consent(ConsentDecision d) {
        if (d.adUserData() == ConsentDecision.Signal.UNSPECIFIED && d.adPersonalization() == ConsentDecision.Signal.UNSPECIFIED) {
            return null;
        }
        ObjectNode c = Json.object();
        if (d.adUserData() == ConsentDecision.Signal.GRANTED) {
            c.put("adUserData", "CONSENT_GRANTED");
        }
        if (d.adPersonalization() == ConsentDecision.Signal.GRANTED) {
            c.put("adPersonalization", "CONSENT_GRANTED");
        }
        return c;
    }

    /** One audience member; consent only on ingestion, where Google reads it. */
    public ObjectNode member(MatchKeys keys, ConsentDecision d, boolean ingest) {
        ObjectNode m = Json.object();
        m.set("userData", userData(keys));
        ObjectNode c = ingest ? consent(d) : null;
        if (c != null) {
            m.set("consent", c);
        }
        return m;
    }

    public WireRequest members(String userListId, List<ObjectNode> members, boolean ingest, String token) {
        return new WireRequest("POST", uri(ingest ? "/audienceMembers:ingest" : "/audienceMembers:remove"), headers(token),
                Json.bytes(membersBody(userListId, members, ingest)));
    }

    private ObjectNode membersBody(String userListId, List<ObjectNode> members, boolean ingest) {
        ObjectNode body = Json.object();
        body.putArray("destinations").add(destination(userListId));
        ArrayNode list = body.putArray("audienceMembers");
        members.forEach(list::add);
        if (config.validateOnly()) {
            body.put("validateOnly", true);
        }
        body.put("encoding", "HEX");
        if (ingest && config.customerMatchTermsAccepted()) {
            body.putObject("termsOfService").put("customerMatchTermsOfServiceStatus", "ACCEPTED");
        }
        return body;
    }

    public BatchPlanner.Framing membersFraming(String userListId, boolean ingest) {
        return new BatchPlanner.Framing(Json.bytes(membersBody(userListId, List.of(), ingest)).length, 1);
    }

    /** One conversion event. */
    public ObjectNode event(ServerEvent e, MatchKeys keys, ConsentDecision d) {
        ObjectNode ev = Json.object();
        ev.put("transactionId", e.orderId() != null ? e.orderId() : e.eventId());
        ev.put("eventTimestamp", e.eventTime().toString());
        ObjectNode userData = userData(keys);
        if (!userData.path("userIdentifiers").isEmpty()) {
            ev.set("userData", userData);
        }
        ObjectNode c = consent(d);
        if (c != null) {
            ev.set("consent", c);
        }
        ObjectNode ads = Json.object();
        for (String k : List.of(ClickIds.GCLID, ClickIds.GBRAID, ClickIds.WBRAID)) {
            String v = e.clickIds().get(k);
            if (v != null) {
                ads.put(k, v);
            }
        }
        if (!ads.isEmpty()) {
            ev.set("adIdentifiers", ads);
        }
        if (e.currency() != null) {
            ev.put("currency", e.currency());
        }
        if (e.value() != null) {
            ev.put("conversionValue", e.value().doubleValue());
        }
        ev.put("eventSource", "WEB");
        return ev;
    }

    public WireRequest events(List<ObjectNode> events, String token) {
        return new WireRequest("POST", uri("/events:ingest"), headers(token), Json.bytes(eventsBody(events)));
    }

    private ObjectNode eventsBody(List<ObjectNode> events) {
        ObjectNode body = Json.object();
        body.putArray("destinations").add(destination(config.conversionActionId()));
        ArrayNode list = body.putArray("events");
        events.forEach(list::add);
        if (config.validateOnly()) {
            body.put("validateOnly", true);
        }
        body.put("encoding", "HEX");
        return body;
    }

    public BatchPlanner.Framing eventsFraming() {
        return new BatchPlanner.Framing(Json.bytes(eventsBody(List.of())).length, 1);
    }
}
