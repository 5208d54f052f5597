package io.rebound.destinations.pinterest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.EventNames;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Product;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.RequestBuilder;
import io.rebound.destinations.internal.Products;
import io.rebound.destinations.internal.Wire;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Pinterest API v5 requests, built without I/O, {@code Authorization: Bearer}:
 * <ul>
 *   <li>{@code POST /v5/ad_accounts/{id}/customer_lists} {@code {name, records, list_type: EMAIL}} and
 *       {@code PATCH …/customer_lists/{list}} {@code {records, operation_type: ADD | REMOVE}}, records
 *       the hashed emails joined by commas;</li>
 *   <li>{@code POST /v5/ad_accounts/{id}/audiences} {@code {ad_account_id, name, rule {customer_list_id},
 *       audience_type: CUSTOMER_LIST, description}};</li>
 *   <li>{@code POST /v5/ad_accounts/{id}/events[?test=true]} {@code {data: [{event_name, action_source
 *       web, event_time, event_id, event_source_url, user_data {em, ph, fn, ln, ct, st, zp, country,
 *       external_id (arrays of hashes); client_ip_address, client_user_agent, click_id},
 *       custom_data {currency, value, content_ids, contents, num_items, order_id, opt_out_type}}]}}
 *       — {@code value} and {@code item_price} are strings, as Pinterest takes them.</li>
 * </ul>
 */
public final class PinterestRequests extends RequestBuilder<PinterestConfig> {

    public PinterestRequests(PinterestConfig config) {
        super(config, config.baseUrl(), "/" + config.apiVersion() + "/ad_accounts/" + config.adAccountId());
    }

    private URI uri(String path, boolean test) {
        return uri(path + (test ? "?test=true" : ""));
    }

    private static Map<String, String> headers(String token) {
        return Wire.headers("Authorization", "Bearer " + token, "Content-Type", "application/json");
    }

    public WireRequest createList(String name, List<String> emailHashes) {
        ObjectNode b = Json.object();
        b.put("name", name);
        b.put("records", String.join(",", emailHashes));
        b.put("list_type", "EMAIL");
        return new WireRequest("POST", uri("/customer_lists", false), headers(config.apiToken()), Json.bytes(b));
    }

    public WireRequest createAudience(String name, String customerListId) {
        ObjectNode b = Json.object();
        b.put("ad_account_id", config.adAccountId());
        b.put("name", name);
        b.putObject("rule").put("customer_list_id", customerListId);
        b.put("audience_type", "CUSTOMER_LIST");
        b.put("description", "Rebound segment, synced by Rebound");
        return new WireRequest("POST", uri("/audiences", false), headers(config.apiToken()), Json.bytes(b));
    }

    public WireRequest updateList(String customerListId, List<String> emailHashes, boolean remove) {
        return new WireRequest("PATCH", uri("/customer_lists/" + customerListId, false), headers(config.apiToken()),
                Json.bytes(updateBody(emailHashes, remove)));
    }

    private static ObjectNode updateBody(List<String> emailHashes, boolean remove) {
        ObjectNode b = Json.object();
        b.put("records", String.join(",", emailHashes));
        b.put("operation_type", remove ? "REMOVE" : "ADD");
        return b;
    }

    /** An update's body is its fields plus the records, 64 hex characters each, joined by commas. */
    public BatchPlanner.Framing updateFraming(boolean remove) {
        return new BatchPlanner.Framing(Json.bytes(updateBody(List.of(), remove)).length, 1);
    }

    public ObjectNode event(ServerEvent e, MatchKeys keys, ConsentDecision d) {
        ObjectNode ev = Json.object();
        ev.put("event_name", EventNames.of(Platform.PINTEREST, e));
        ev.put("action_source", "web");
        ev.put("event_time", e.eventTime().getEpochSecond());
        ev.put("event_id", e.eventId());
        if (e.pageUrl() != null) {
            ev.put("event_source_url", e.pageUrl());
        }
        ObjectNode u = ev.putObject("user_data");
        hashes(u, "em", keys.emails());
        hashes(u, "ph", keys.phones());
        hashes(u, "fn", one(keys.firstName()));
        hashes(u, "ln", one(keys.lastName()));
        hashes(u, "ct", one(keys.city()));
        hashes(u, "st", one(keys.state()));
        hashes(u, "zp", one(keys.zip()));
        hashes(u, "country", one(keys.country()));
        hashes(u, "external_id", keys.externalIds());
        Json.putIf(u, "client_ip_address", e.ip());
        Json.putIf(u, "client_user_agent", e.userAgent());
        Json.putIf(u, "click_id", e.clickIds().get(ClickIds.EPIK));
        ObjectNode c = Json.object();
        Json.putIf(c, "currency", e.currency());
        if (e.value() != null) {
            c.put("value", e.value().toPlainString());
        }
        if (!e.products().isEmpty()) {
            c.set("content_ids", Products.ids(e.products()));
            ArrayNode contents = c.putArray("contents");
            for (Product p : e.products()) {
                ObjectNode item = contents.addObject();
                item.put("id", p.id());
                if (p.price() != null) {
                    item.put("item_price", p.price().toPlainString());
                }
                item.put("quantity", p.quantity());
            }
            c.put("num_items", Products.items(e.products()));
        }
        Json.putIf(c, "order_id", e.orderId());
        if (d.limitedDataUse()) {
            c.put("opt_out_type", "LDP");
        }
        if (!c.isEmpty()) {
            ev.set("custom_data", c);
        }
        return ev;
    }

    private static List<String> one(String v) {
        return v == null ? List.of() : List.of(v);
    }

    private static void hashes(ObjectNode n, String field, List<String> values) {
        if (!values.isEmpty()) {
            n.set(field, Json.strings(values));
        }
    }

    public WireRequest events(List<ObjectNode> events) {
        return new WireRequest("POST", uri("/events", config.testEvents()), headers(config.conversionToken()),
                Json.bytes(eventsBody(events)));
    }

    private static ObjectNode eventsBody(List<ObjectNode> events) {
        ObjectNode b = Json.object();
        ArrayNode data = b.putArray("data");
        events.forEach(data::add);
        return b;
    }

    public BatchPlanner.Framing eventsFraming() {
        return new BatchPlanner.Framing(Json.bytes(eventsBody(List.of())).length, 1);
    }
}
