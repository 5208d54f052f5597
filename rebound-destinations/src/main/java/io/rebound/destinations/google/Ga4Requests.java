package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.RequestBuilder;
import io.rebound.destinations.internal.Wire;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GA4 Measurement Protocol requests, built without I/O:
 * {@code POST /mp/collect?measurement_id=…&api_secret=…} (or {@code /debug/mp/collect}, the validation
 * server) with {@code {client_id, consent?, events: [{name, timestamp_micros, params {currency, value,
 * transaction_id, items [{item_id, item_category, price, quantity}]}}]}}. One request carries the events of
 * one client id (the {@code _ga} cookie's), so a batch of visitors' events is split per visitor.
 *
 * <p>GA4's documented limits, applied here: at most {@value #MAX_EVENTS} events per request and a body
 * smaller than 130 kB; event and parameter names of letters, digits and underscores starting with a letter,
 * at most {@value #MAX_NAME} characters, no reserved prefix; at most 25 parameters per event (Rebound sends at
 * most five); parameter values of at most {@value #MAX_VALUE} characters (a longer one is left out, an item
 * whose id is longer is left out); at most {@value #MAX_ITEMS} items per event; events backdated by at most
 * 72 hours ({@link #MAX_AGE}).
 */
public final class Ga4Requests extends RequestBuilder<Ga4Config> {

    /** Events per request. */
    public static final int MAX_EVENTS = 25;
    /** A request body must be smaller than 130 kB. */
    public static final long MAX_BODY_BYTES = 130_000 - 1;
    /** Event and parameter names. */
    public static final int MAX_NAME = 40;
    /** Parameter values (a standard property; 360 properties take 500). */
    public static final int MAX_VALUE = 100;
    /** Items per event. */
    public static final int MAX_ITEMS = 200;
    /** GA4 takes events backdated by at most 72 hours. */
    public static final Duration MAX_AGE = Duration.ofHours(72);
    /** The limits a request is planned within. */
    public static final BatchLimits LIMITS = new BatchLimits(MAX_EVENTS, MAX_BODY_BYTES);

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0," + (MAX_NAME - 1) + "}");
    private static final List<String> RESERVED_PREFIXES = List.of("_", "firebase_", "ga_", "google_", "gtag.");
    /** GA4's reserved event names that a custom event must not take (web streams). */
    private static final java.util.Set<String> RESERVED_NAMES = java.util.Set.of("ad_activeview", "ad_click",
            "ad_exposure", "ad_query", "ad_reward", "adunit_exposure", "app_background", "app_clear_data",
            "app_exception", "app_remove", "app_store_refund", "app_store_subscription_cancel",
            "app_store_subscription_convert", "app_store_subscription_renew", "app_update", "app_upgrade",
            "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open", "error", "first_open",
            "first_visit", "in_app_purchase", "notification_dismiss", "notification_foreground", "notification_open",
            "notification_receive", "os_update", "session_start", "session_start_with_rollout", "user_engagement");

    public Ga4Requests(Ga4Config config) {
        super(config, config.baseUrl(), "");
    }

    /** GA4's recommended event name for a store event; the event's own name for a custom one; null when GA4 has none. */
    public static String eventName(ServerEvent e) {
        return switch (e.type()) {
            case PAGE_VIEW -> "page_view";
            case VIEW_CONTENT -> "view_item";
            case ADD_TO_CART -> "add_to_cart";
            case REMOVE_FROM_CART -> "remove_from_cart";
            case INITIATE_CHECKOUT -> "begin_checkout";
            case ADD_PAYMENT_INFO -> "add_payment_info";
            case PURCHASE -> "purchase";
            case REFUND -> "refund";
            case SEARCH -> "search";
            case ADD_TO_WISHLIST -> "add_to_wishlist";
            case LEAD -> "generate_lead";
            case COMPLETE_REGISTRATION -> "sign_up";
            case CUSTOM -> validName(e.name()) ? e.name() : null;
            case IDENTIFY -> null;
        };
    }

    /** Whether {@code name} is a name GA4 takes for a custom event. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches() && RESERVED_PREFIXES.stream().noneMatch(name::startsWith)
                && !RESERVED_NAMES.contains(name);
    }

    /** The event's {@code events[]} entry, or null when GA4 has no name for it. */
    public ObjectNode event(ServerEvent e) {
        String name = eventName(e);
        if (name == null) {
            return null;
        }
        ObjectNode ev = Json.object();
        ev.put("name", name);
        ev.put("timestamp_micros", e.eventTime().getEpochSecond() * 1_000_000L + e.eventTime().getNano() / 1_000);
        ObjectNode params = ev.putObject("params");
        if (e.currency() != null) {
            params.put("currency", e.currency());
            if (e.value() != null) {
                params.put("value", e.value().doubleValue());
            }
        }
        if (e.type() == EventType.PURCHASE || e.type() == EventType.REFUND) {
            putValue(params, "transaction_id", e.orderId() != null ? e.orderId() : e.eventId());
        }
        ArrayNode items = Json.array();
        for (Product p : e.products()) {
            if (items.size() == MAX_ITEMS || p.id().length() > MAX_VALUE) {
                continue;
            }
            ObjectNode item = items.addObject();
            item.put("item_id", p.id());
            if (p.category() != null && p.category().length() <= MAX_VALUE) {
                item.put("item_category", p.category());
            }
            if (p.price() != null) {
                item.put("price", p.price().doubleValue());
            }
            item.put("quantity", p.quantity());
        }
        if (!items.isEmpty()) {
            params.set("items", items);
        }
        if (params.isEmpty()) {
            ev.remove("params");
        }
        return ev;
    }

    private static void putValue(ObjectNode params, String name, String value) {
        if (value != null && value.length() <= MAX_VALUE) {
            params.put(name, value);
        }
    }

    /** The request's {@code consent}: only what the person stated ({@code GRANTED}); null when nothing was stated. */
    public static ObjectNode consent(ConsentDecision d) {
        ObjectNode c = Json.object();
        if (d.adUserData() == ConsentDecision.Signal.GRANTED) {
            c.put("ad_user_data", "GRANTED");
        }
        if (d.adPersonalization() == ConsentDecision.Signal.GRANTED) {
            c.put("ad_personalization", "GRANTED");
        }
        return c.isEmpty() ? null : c;
    }

    private ObjectNode body(String clientId, ObjectNode consent, List<ObjectNode> events) {
        ObjectNode body = Json.object();
        body.put("client_id", clientId);
        if (consent != null) {
            body.set("consent", consent);
        }
        ArrayNode list = body.putArray("events");
        events.forEach(list::add);
        return body;
    }

    /** One request of one client's events. */
    public WireRequest collect(String clientId, ObjectNode consent, List<ObjectNode> events) {
        String path = (config.validate() ? "/debug/mp/collect" : "/mp/collect") + "?measurement_id="
                + URLEncoder.encode(config.measurementId(), StandardCharsets.UTF_8) + "&api_secret="
                + URLEncoder.encode(config.apiSecret(), StandardCharsets.UTF_8);
        Map<String, String> headers = Wire.headers("Content-Type", "application/json");
        return new WireRequest("POST", uri(path), headers, Json.bytes(body(clientId, consent, events)));
    }

    /** The envelope of one client's request, for the batch planner. */
    public BatchPlanner.Framing framing(String clientId, ObjectNode consent) {
        return new BatchPlanner.Framing(Json.bytes(body(clientId, consent, List.of())).length, 1);
    }
}
