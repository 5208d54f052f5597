package io.rebound.server.webhooks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.api.BadRequest;
import io.rebound.server.collect.BatchResult;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.collect.ParsedBody;
import io.rebound.server.collect.RequestInfo;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a signed delivery becomes, the same when it is received (to answer a malformed one with a
 * 400 before it is stored) and when it is processed: events through the collector's parser (an
 * order's Purchase, a checkout's InitiateCheckout, and the identify that links the shopper's email),
 * catalog products, or nothing and why. Reads the catalog only for a product's currency.
 *
 * @param parser     the collector's parser, which the events go through
 * @param timePolicy how old an event may be
 * @param catalog    the catalog, for a product's currency
 */
record Deliveries(CollectorParser parser, EventTimePolicy timePolicy, JdbcCatalog catalog) {
    private static final ObjectReader READER = Json.untrustedReader(Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));

    /** What a delivery leads to. */
    sealed interface Work {
    }

    /** Events to append; {@code eventId} is the main one's (the order's, the checkout's). */
    record Events(List<Event> events, String eventId) implements Work {
    }

    /** Catalog products to upsert; {@code refused} lists the variants the catalog refuses, and why. */
    record Products(List<CatalogProduct> products, List<String> refused) implements Work {
    }

    /** Nothing to do, and why. */
    record Ignored(String reason) implements Work {
    }

    /** A malformed delivery: answered 400 with {@code body}, stored nowhere. */
    record Rejected(JsonObject body) implements Work {
    }

    Work map(WebhookPlatform platform, String topic, byte[] raw, String shopDomain, Store store, Instant receivedAt) {
        try {
            JsonNode body = read(raw);
            Instant oldest = receivedAt.minus(timePolicy.maxAge());
            return switch (platform.kind(topic)) {
                case ORDER -> events(platform == WebhookPlatform.SHOPIFY ? OrderMessages.shopify(body, oldest)
                        : OrderMessages.woocommerce(body, oldest), store, raw.length, receivedAt, "invalid_order");
                case CHECKOUT -> events(OrderMessages.shopifyCheckout(body, oldest), store, raw.length, receivedAt,
                        "invalid_checkout");
                case PRODUCT -> products(platform == WebhookPlatform.SHOPIFY
                        ? ProductMessages.shopify(body, shopDomain, id -> currency(store.id(), id))
                        : ProductMessages.woocommerce(body, id -> currency(store.id(), id)));
            };
        } catch (BadRequest e) {
            JsonObject body = new JsonObject().put("error", e.error()).put("message", e.getMessage());
            if (e.field() != null) {
                body.put("field", e.field());
            }
            return new Rejected(body);
        }
    }

    private static Work products(ProductMessages.Products p) {
        if (p.ignored() != null) {
            return new Ignored(p.ignored());
        }
        if (p.products().isEmpty()) {
            JsonArray errors = new JsonArray(new ArrayList<>(p.refused()));
            return new Rejected(new JsonObject().put("error", "invalid_product").put("message", "no variant of the "
                    + "product can go into the catalog: " + (p.refused().isEmpty() ? "none listed" : p.refused().get(0)))
                    .put("errors", errors));
        }
        return new Products(p.products(), p.refused());
    }

    /** The currency of the product in the catalog, else of the store's catalog (neither platform sends one). */
    private Optional<String> currency(String storeId, String productId) {
        if (CatalogProduct.validId(productId)) {
            Optional<JdbcCatalog.Entry> known = catalog.get(storeId, productId);
            if (known.isPresent()) {
                return Optional.of(known.get().product().currency());
            }
        }
        return catalog.page(storeId, null, 1).stream().findFirst().map(e -> e.product().currency());
    }

    private Work events(OrderMessages.Outcome outcome, Store store, int rawSize, Instant receivedAt, String error) {
        return switch (outcome) {
            case OrderMessages.Ignored ignored -> new Ignored(ignored.reason());
            case OrderMessages.Purchase p -> {
                BatchResult result = parser.parseSingle(new ParsedBody(p.message(), null, null, rawSize), "track",
                        store, RequestInfo.NONE, receivedAt, Source.SERVER);
                if (result.accepted().isEmpty()) {
                    yield rejected(result, error);
                }
                List<Event> events = new ArrayList<>(2);
                if (p.identify() != null) {
                    // The identify first: the person the browser was is linked before the purchase is filed.
                    BatchResult identify = parser.parseSingle(new ParsedBody(p.identify(), null, null, rawSize),
                            "identify", store, RequestInfo.NONE, receivedAt, Source.SERVER);
                    events.addAll(identify.accepted());
                }
                events.addAll(result.accepted());
                if (p.recovery() != null) {
                    events.addAll(parser.parseSingle(new ParsedBody(p.recovery(), null, null, rawSize), "track",
                            store, RequestInfo.NONE, receivedAt, Source.SERVER).accepted());
                }
                yield new Events(List.copyOf(events), p.eventId());
            }
        };
    }

    private static Rejected rejected(BatchResult result, String error) {
        JsonObject body = new JsonObject().put("error", error);
        if (result.rejected().isEmpty() || result.rejected().get(0).violations().isEmpty()) {
            return new Rejected(body.put("message", "the delivery could not be read as an event"));
        }
        JsonArray errors = new JsonArray();
        result.rejected().get(0).violations().forEach(v ->
                errors.add(new JsonObject().put("field", v.field()).put("message", v.message())));
        Violation first = result.rejected().get(0).violations().get(0);
        return new Rejected(body.put("message", first.toString()).put("field", first.field()).put("errors", errors));
    }

    /** The body as a JSON object. */
    private static JsonNode read(byte[] raw) {
        try {
            JsonNode node = raw.length == 0 ? null : Json.readUntrusted(READER, raw);
            if (node instanceof ObjectNode) {
                return node;
            }
            throw new BadRequest("body", "invalid_json", "the body must be a JSON object");
        } catch (InvalidNumberException e) {
            throw new BadRequest(e.field(), "invalid_json", e.getMessage());
        } catch (JacksonException e) {
            String m = String.valueOf(e.getOriginalMessage());
            throw new BadRequest("body", "invalid_json", "the body is not valid JSON: "
                    + (m.length() > 200 ? m.substring(0, 200) + "…" : m));
        } catch (IOException e) {
            throw new BadRequest("body", "invalid_json", "the body could not be read");
        }
    }
}
