package io.rebound.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.Product;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads product lines from whichever vocabulary the sender speaks, into one list:
 * GA4 {@code items[]}, Segment {@code products[]}, Meta {@code contents[]} and
 * {@code content_ids[]} (with {@code content_category}), and Segment's single-product shape
 * ({@code product_id}/{@code sku}, {@code price}, {@code quantity}, {@code category} at the top of
 * {@code properties}). Senders often include two vocabularies for the same lines, so a product id
 * seen once is not added again.
 */
final class Products {

    static final int MAX_PRODUCTS = 200;
    /** Top-level property keys always consumed by product reading. */
    static final Set<String> LIST_KEYS = Set.of("items", "products", "contents", "content_ids", "content_category");
    /** Top-level property keys consumed when the single-product shape is present. */
    static final Set<String> SINGLE_KEYS = Set.of("product_id", "sku", "price", "quantity", "category");

    private Products() {
    }

    /** True when {@code properties} describes one product at its top level. */
    static boolean hasSingleProduct(ObjectNode properties) {
        return Fields.get(properties, "product_id") != null || Fields.get(properties, "sku") != null;
    }

    /** The sum of price × quantity, or null when a product has no price. */
    static BigDecimal total(List<Product> products) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Product p : products) {
            if (p.price() == null) {
                return null;
            }
            sum = sum.add(p.quantity() == 1 ? p.price() : p.price().multiply(BigDecimal.valueOf(p.quantity())));
        }
        return Fields.normalise(sum);
    }

    static List<Product> read(ObjectNode properties, Fields f) {
        if (properties == null) {
            return List.of();
        }
        Map<String, Product> out = new LinkedHashMap<>();
        String contentCategory = f.text(properties, "content_category", "properties.content_category", 200);
        lines(properties, "items", f, out, contentCategory, "item_id", "price", "item_category");
        lines(properties, "products", f, out, contentCategory, null, "price", "category");
        lines(properties, "contents", f, out, contentCategory, "id", "item_price", "category");
        JsonNode ids = Fields.get(properties, "content_ids");
        if (ids != null) {
            if (ids instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    String path = "properties.content_ids[" + i + "]";
                    int before = f.violations().size();
                    String id = f.id(array.get(i), path);
                    if (id != null) {
                        out.putIfAbsent(id, new Product(id, contentCategory, null, 1));
                    } else if (f.violations().size() == before) {
                        f.add(path, "must be a non-empty product id");
                    }
                }
            } else if (ids.isTextual() || ids.isNumber()) {
                // Meta's docs show arrays, but a single id is a common slip; take it.
                String id = f.id(ids, "properties.content_ids");
                if (id != null) {
                    out.putIfAbsent(id, new Product(id, contentCategory, null, 1));
                }
            } else {
                f.add("properties.content_ids", "must be an array of product ids, got " + Fields.kind(ids));
            }
        }
        if (hasSingleProduct(properties)) {
            String idKey = Fields.get(properties, "product_id") != null ? "product_id" : "sku";
            Product single = line(properties, "properties", f, contentCategory, idKey, "price", "category");
            if (out.isEmpty()) {
                return single == null ? List.of() : List.of(single);
            }
            if (single != null) {
                out.putIfAbsent(single.id(), single);
            }
        }
        if (out.size() > MAX_PRODUCTS) {
            f.add("properties", "has " + out.size() + " products; at most " + MAX_PRODUCTS + " per event");
        }
        return List.copyOf(out.values());
    }

    private static void lines(ObjectNode properties, String key, Fields f, Map<String, Product> out,
                              String defaultCategory, String idKey, String priceKey, String categoryKey) {
        JsonNode list = Fields.get(properties, key);
        if (list == null) {
            return;
        }
        String path = "properties." + key;
        if (!(list instanceof ArrayNode array)) {
            f.add(path, "must be an array of objects, got " + Fields.kind(list));
            return;
        }
        for (int i = 0; i < array.size(); i++) {
            String itemPath = path + "[" + i + "]";
            JsonNode item = array.get(i);
            if (!(item instanceof ObjectNode o)) {
                f.add(itemPath, "must be an object, got " + Fields.kind(item));
                continue;
            }
            String effectiveIdKey = idKey;
            if (effectiveIdKey == null) {
                // Segment products name their id product_id, sku or id, in that preference.
                effectiveIdKey = Fields.get(o, "product_id") != null ? "product_id"
                        : Fields.get(o, "sku") != null ? "sku" : Fields.get(o, "id") != null ? "id" : "product_id";
            }
            Product p = line(o, itemPath, f, defaultCategory, effectiveIdKey, priceKey, categoryKey);
            if (p != null) {
                out.putIfAbsent(p.id(), p);
            }
        }
    }

    /** Paths of a product's fields at the top of properties (the usual single-product event), built once. */
    private static final Map<String, String> TOP_LEVEL_PATHS = Map.of(
            "product_id", "properties.product_id", "sku", "properties.sku", "price", "properties.price",
            "quantity", "properties.quantity", "category", "properties.category");

    private static String path(String parent, String key) {
        String known = "properties".equals(parent) ? TOP_LEVEL_PATHS.get(key) : null;
        return known != null ? known : Fields.join(parent, key);
    }

    private static Product line(ObjectNode o, String path, Fields f, String defaultCategory,
                                String idKey, String priceKey, String categoryKey) {
        int before = f.violations().size();
        String id = f.id(o, idKey, path(path, idKey));
        if (id == null && f.violations().size() == before) {
            f.add(path(path, idKey), "is required");
        }
        BigDecimal price = f.amount(Fields.get(o, priceKey), path(path, priceKey));
        if (price != null && price.signum() < 0) {
            f.add(path(path, priceKey), "must not be negative");
        }
        Integer quantity = f.quantity(Fields.get(o, "quantity"), path(path, "quantity"));
        String category = f.text(o, categoryKey, path(path, categoryKey), 200);
        if (f.violations().size() != before) {
            return null;
        }
        return new Product(id, category != null ? category : defaultCategory, price, quantity == null ? 1 : quantity);
    }
}
