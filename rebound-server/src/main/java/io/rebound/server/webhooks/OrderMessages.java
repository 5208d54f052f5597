package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.api.BadRequest;
import io.rebound.server.collect.Pii;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns a platform's order (the JSON its order webhooks deliver) into the Segment-spec
 * {@code track "Purchase"} message the collector's own parser reads, so that the order is
 * validated, hashed and deduplicated like any server-side event; likewise a Shopify checkout into an
 * {@code InitiateCheckout} ({@link #shopifyCheckout}), and either into the identify that links the
 * shopper's email to the visitor or customer. Nothing here does I/O.
 *
 * <p><b>Event id</b> {@code order-{id}}: what the Shopify custom pixel and the WooCommerce snippet
 * of docs/pixel.md send as the browser Purchase's event id, so the browser's copy and the webhook's
 * are one event, and a redelivery or a later status change of the same order adds nothing. Shopify:
 * the order's {@code id}; WooCommerce: the order {@code number} (what {@code get_order_number()}
 * gives the snippet; the id unless a numbering plugin changes it).
 *
 * <p><b>Products</b> are the ids the pixel and the platforms' catalog feeds use: Shopify's
 * {@code variant_id} (else {@code product_id}, else {@code sku}); WooCommerce's {@code variation_id}
 * when not 0, else {@code product_id}. Lines of the same id are summed; lines without an id are left
 * out of the products, never out of the value. At most {@value #MAX_PRODUCTS} products per order.
 *
 * <p><b>Who</b>: Rebound's anonymous id when the order carries it ({@value #ANONYMOUS_ID_KEY} in
 * Shopify's {@code note_attributes} / WooCommerce's {@code meta_data}), the platform's customer id as
 * user id, and the email (and phone, when it normalises) as {@code context.traits}, which the collector
 * hashes and never stores in the clear. An order with neither id is filed under
 * {@code {platform}-order-{id}}; its email hash still links it to the person who identified with it.
 * An email or phone that does not normalise is left out rather than refusing the order.
 */
public final class OrderMessages {
    /** The note attribute / order meta key that carries Rebound's anonymous id (the pixel's {@code _rb_aid}). */
    public static final String ANONYMOUS_ID_KEY = "_rb_aid";
    /** The InitiateCheckout property that keeps Shopify's recovery link, for campaigns to read. */
    public static final String RECOVERY_URL = "abandoned_checkout_url";
    /**
     * The custom event that carries a checkout's recovery link ({@value #RECOVERY_URL}), one per checkout
     * (event id {@code checkout-recovery-{token}}), filed under the same visitor as its InitiateCheckout.
     */
    public static final String RECOVERY_EVENT = "CheckoutRecovery";
    static final int MAX_PRODUCTS = 200;
    private static final int MAX_URL = 1000;
    private static final Set<String> ANONYMOUS_ID_KEYS = Set.of(ANONYMOUS_ID_KEY, "rb_aid");
    private static final Set<String> PAID_WOO_STATUSES = Set.of("processing", "completed");
    private static final int MAX_TEXT = 200;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OrderMessages() {
    }

    /** What an order webhook becomes: a Purchase message, or nothing (and why). */
    public sealed interface Outcome {
    }

    /**
     * A Purchase or InitiateCheckout, as a Segment-spec track message, and the identify that links the
     * shopper's email (hashed by the collector) to the browsing visitor or customer id, or null when
     * the order names no email or no one to link it to.
     */
    public record Purchase(ObjectNode message, ObjectNode identify, String eventId, ObjectNode recovery)
            implements Outcome {
        Purchase(ObjectNode message, ObjectNode identify, String eventId) {
            this(message, identify, eventId, null);
        }
    }

    /** Nothing is stored: {@code reason} says why (an unpaid status, an order older than the event-time policy takes). */
    public record Ignored(String reason) implements Outcome {
    }

    /**
     * A Shopify order ({@code orders/create}; Shopify's Order resource).
     *
     * @param oldest orders created before this are ignored (the collector's event-time policy refuses them)
     * @throws BadRequest naming the field when the order has no usable id
     */
    public static Outcome shopify(JsonNode order, Instant oldest) {
        String id = requiredId(order, "id");
        Instant created = instant(order.get("created_at"));
        if (created != null && created.isBefore(oldest)) {
            return tooOld(created);
        }
        Map<String, Line> lines = new LinkedHashMap<>();
        for (JsonNode item : array(order.get("line_items"))) {
            String productId = firstId(item, "variant_id", "product_id", "sku");
            add(lines, productId, item.get("price"), item.get("quantity"));
        }
        JsonNode customer = order.get("customer");
        String email = firstText(order.get("email"), order.get("contact_email"), field(customer, "email"));
        String phone = firstText(order.get("phone"), field(customer, "phone"), field(order.get("billing_address"), "phone"));
        return purchase(WebhookPlatform.SHOPIFY, id, id, created, text(order.get("total_price")),
                text(order.get("currency")), lines, email, phone, id(field(customer, "id")),
                attribute(order.get("note_attributes"), "name"), text(order.get("name")));
    }

    /**
     * A Shopify checkout ({@code checkouts/create}, {@code checkouts/update}; the abandoned checkout
     * resource) as an InitiateCheckout whose event id is {@code checkout-{token}} — what the Shopify
     * custom pixel sends on {@code checkout_started}, so both copies and every update are one event —
     * keeping {@code abandoned_checkout_url} (the recovery link) and the checkout's id and token in its
     * properties. The shopper is found like an order's: {@code _rb_aid} among the note attributes (the
     * cart's attributes), the customer id, the email.
     *
     * @throws BadRequest naming the field when the checkout has neither token nor id
     */
    public static Outcome shopifyCheckout(JsonNode checkout, Instant oldest) {
        String token = id(checkout.get("token"));
        String id = token != null ? token : requiredId(checkout, "id");
        Instant created = instant(checkout.get("created_at"));
        if (created != null && created.isBefore(oldest)) {
            return tooOld(created);
        }
        Map<String, Line> lines = new LinkedHashMap<>();
        for (JsonNode item : array(checkout.get("line_items"))) {
            add(lines, firstId(item, "variant_id", "product_id", "sku"), item.get("price"), item.get("quantity"));
        }
        JsonNode customer = checkout.get("customer");
        String email = firstText(checkout.get("email"), field(customer, "email"));
        String phone = firstText(checkout.get("phone"), field(customer, "phone"),
                field(checkout.get("billing_address"), "phone"));
        String currency = firstText(checkout.get("presentment_currency"), checkout.get("currency"));
        Purchase p = (Purchase) message(WebhookPlatform.SHOPIFY, "InitiateCheckout", "checkout-" + id, "checkout",
                id, created, text(checkout.get("total_price")), currency, lines, email, phone,
                id(field(customer, "id")), attribute(checkout.get("note_attributes"), "name"));
        ObjectNode props = (ObjectNode) p.message().get("properties");
        props.put("checkout_token", id);
        String numericId = id(checkout.get("id"));
        if (numericId != null) {
            props.put("checkout_id", numericId);
        }
        String recovery = text(checkout.get("abandoned_checkout_url"));
        if (recovery == null || recovery.length() > MAX_URL || !recovery.startsWith("https://")) {
            return p;
        }
        props.put(RECOVERY_URL, recovery);
        // The pixel's InitiateCheckout has the same event id and no link; whichever arrives first is kept.
        // So the link also gets an event of its own, the one place campaigns read it from.
        ObjectNode r = p.message().deepCopy();
        r.put("event", RECOVERY_EVENT).put("messageId", "checkout-recovery-" + id);
        ObjectNode rp = r.putObject("properties");
        rp.put("event_id", "checkout-recovery-" + id).put(RECOVERY_URL, recovery).put("checkout_token", id)
                .put("store_platform", WebhookPlatform.SHOPIFY.id());
        if (numericId != null) {
            rp.put("checkout_id", numericId);
        }
        ((ObjectNode) r.get("context")).remove("traits");
        return new Purchase(p.message(), p.identify(), p.eventId(), r);
    }

    /**
     * A WooCommerce order ({@code order.created}, {@code order.updated}; the REST API's order). Only a
     * paid order (status {@code processing} or {@code completed}) is a purchase.
     *
     * @throws BadRequest naming the field when the order has no usable id
     */
    public static Outcome woocommerce(JsonNode order, Instant oldest) {
        String id = requiredId(order, "id");
        String status = text(order.get("status"));
        if (status == null || !PAID_WOO_STATUSES.contains(status)) {
            return new Ignored("order status is " + (status == null ? "missing" : "'" + clip(status) + "'")
                    + "; only processing and completed orders are purchases");
        }
        String number = id(order.get("number"));
        Instant created = wooInstant(order.get("date_created_gmt"));
        if (created != null && created.isBefore(oldest)) {
            return tooOld(created);
        }
        Map<String, Line> lines = new LinkedHashMap<>();
        for (JsonNode item : array(order.get("line_items"))) {
            String variation = id(item.get("variation_id"));
            String productId = variation != null && !"0".equals(variation) ? variation : firstId(item, "product_id", "sku");
            add(lines, "0".equals(productId) ? null : productId, item.get("price"), item.get("quantity"));
        }
        JsonNode billing = order.get("billing");
        String customerId = id(order.get("customer_id"));
        return purchase(WebhookPlatform.WOOCOMMERCE, id, number != null ? number : id, created,
                text(order.get("total")), text(order.get("currency")), lines, text(field(billing, "email")),
                text(field(billing, "phone")), "0".equals(customerId) ? null : customerId,
                attribute(order.get("meta_data"), "key"), number);
    }

    private static Outcome purchase(WebhookPlatform platform, String id, String orderKey, Instant created,
                                    String total, String currency, Map<String, Line> lines, String email,
                                    String phone, String userId, String anonymousId, String orderNumber) {
        Purchase p = (Purchase) message(platform, "Purchase", "order-" + orderKey, "order", id, created, total,
                currency, lines, email, phone, userId, anonymousId);
        ObjectNode props = (ObjectNode) p.message().get("properties");
        props.put("order_id", orderKey);
        if (orderNumber != null && !orderNumber.equals(orderKey)) {
            props.put("order_number", clip(orderNumber));
        }
        return p;
    }

    private static Outcome message(WebhookPlatform platform, String event, String eventId, String what, String id,
                                   Instant created, String total, String currency, Map<String, Line> lines,
                                   String email, String phone, String userId, String anonymousId) {
        ObjectNode m = NODES.objectNode();
        m.put("type", "track").put("event", event).put("messageId", eventId);
        if (anonymousId != null) {
            m.put("anonymousId", anonymousId);
        }
        if (userId != null) {
            m.put("userId", userId);
        }
        if (anonymousId == null && userId == null) {
            m.put("anonymousId", platform.id() + "-" + what + "-" + id);
        }
        if (created != null) {
            m.put("timestamp", created.toString());
        }
        ObjectNode p = m.putObject("properties");
        p.put("event_id", eventId).put("store_platform", platform.id());
        if (total != null) {
            p.put("value", total);
        }
        if (currency != null) {
            p.put("currency", currency);
        }
        if (!lines.isEmpty()) {
            p.put("content_type", "product");
            ArrayNode products = p.putArray("products");
            lines.values().stream().limit(MAX_PRODUCTS).forEach(l -> {
                ObjectNode o = products.addObject().put("product_id", l.id()).put("quantity", l.quantity());
                if (l.price() != null) {
                    o.set("price", l.price());
                }
            });
        }
        ObjectNode traits = NODES.objectNode();
        if (email != null && email.length() <= 320 && Pii.emailSha256(email) != null) {
            traits.put("email", email);
        }
        if (phone != null && phone.length() <= 320 && Pii.phoneSha256(phone) != null) {
            traits.put("phone", phone);
        }
        ObjectNode context = m.putObject("context");
        if (!traits.isEmpty()) {
            context.set("traits", traits);
        }
        context.putObject("library").put("name", "rebound-webhooks-" + platform.id()).put("version", "1");
        return new Purchase(m, identify(m, traits, anonymousId, userId, eventId), eventId);
    }

    /**
     * The identify sent with an order or checkout that names an email and someone to link it to
     * (Rebound's anonymous id, a customer id): it goes through the collector's identify path, so the
     * email is hashed there and the person the browser was becomes the person who bought.
     */
    private static ObjectNode identify(ObjectNode track, ObjectNode traits, String anonymousId, String userId,
                                       String eventId) {
        if (traits.isEmpty() || anonymousId == null && userId == null) {
            return null;
        }
        ObjectNode i = NODES.objectNode();
        i.put("type", "identify").put("messageId", "identify-" + eventId);
        if (anonymousId != null) {
            i.put("anonymousId", anonymousId);
        }
        if (userId != null) {
            i.put("userId", userId);
        }
        if (track.has("timestamp")) {
            i.set("timestamp", track.get("timestamp"));
        }
        i.set("traits", traits.deepCopy());
        i.putObject("context").set("library", track.get("context").get("library").deepCopy());
        return i;
    }

    private record Line(String id, JsonNode price, long quantity) {
    }

    private static void add(Map<String, Line> lines, String productId, JsonNode price, JsonNode quantity) {
        if (productId == null || lines.size() >= MAX_PRODUCTS && !lines.containsKey(productId)) {
            return;
        }
        long q = quantity != null && quantity.canConvertToLong() && quantity.asLong() > 0 ? quantity.asLong() : 1;
        JsonNode p = price != null && (price.isNumber() || price.isTextual()) ? price : null;
        lines.merge(productId, new Line(productId, p, q),
                (a, b) -> new Line(a.id(), a.price(), Math.min(Integer.MAX_VALUE, a.quantity() + b.quantity())));
    }

    private static Ignored tooOld(Instant created) {
        return new Ignored("the order was created " + created + ", before the oldest event time the collector takes");
    }

    private static String requiredId(JsonNode order, String key) {
        String id = id(order.get(key));
        if (id == null) {
            throw new BadRequest(key, "invalid_order", "the order has no usable '" + key
                    + "' (a number or a string of 1 to " + MAX_TEXT + " characters)");
        }
        return id;
    }

    /** The value of the {@code {nameKey}: "_rb_aid", value: …} entry of a list of name/value pairs. */
    private static String attribute(JsonNode list, String nameKey) {
        for (JsonNode entry : array(list)) {
            String name = text(entry.get(nameKey));
            if (name != null && ANONYMOUS_ID_KEYS.contains(name)) {
                return id(entry.get("value"));
            }
        }
        return null;
    }

    private static String firstId(JsonNode item, String... keys) {
        for (String key : keys) {
            String v = id(item.get(key));
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static String firstText(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            String v = text(n);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static Iterable<JsonNode> array(JsonNode n) {
        return n instanceof ArrayNode a ? a : NODES.arrayNode();
    }

    private static JsonNode field(JsonNode parent, String key) {
        return parent == null || !parent.isObject() ? null : parent.get(key);
    }

    private static String text(JsonNode n) {
        if (n == null || !n.isTextual() || n.textValue().isBlank()) {
            return null;
        }
        return n.textValue().strip();
    }

    /** An id given as a whole number or a non-empty string of at most 200 characters. */
    static String id(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        String s = text(n);
        return s == null || s.length() > MAX_TEXT ? null : s;
    }

    private static Instant instant(JsonNode n) {
        String s = text(n);
        if (s == null || s.length() > 40) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** WooCommerce's {@code date_created_gmt} is UTC written without an offset ({@code 2017-03-22T16:28:02}). */
    private static Instant wooInstant(JsonNode n) {
        String s = text(n);
        if (s == null || s.length() > 40) {
            return null;
        }
        try {
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return instant(n);
        }
    }

    private static String clip(String s) {
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) : s;
    }
}
