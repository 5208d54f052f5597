package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.Condition;
import io.rebound.core.catalog.InvalidProductException;
import io.rebound.core.event.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A catalog product as the API reads and writes it: snake_case fields, money as a decimal string
 * (a JSON number is accepted too), availability and condition in lower case. Reading collects
 * every problem with its path ({@code products[3].price}); an unknown field is a problem too, so
 * that a typo ({@code image_url}) is not silently dropped.
 */
final class ProductJson {
    static final Set<String> FIELDS = Set.of("id", "title", "description", "link", "image_link",
            "additional_image_links", "price", "sale_price", "currency", "availability", "condition", "brand",
            "google_product_category", "product_type", "gtin", "mpn", "item_group_id", "cost", "inventory");
    /** Longer strings are refused before any rule runs (the longest valid field is 5,000 characters). */
    private static final int MAX_STRING = 10_000;

    private ProductJson() {
    }

    /**
     * The product in {@code node}, or the violations that keep it from being one, each field named
     * with {@code prefix} ({@code ""} or {@code "products[3]."}). {@code pathId}, when not null, is the
     * id from the URL: the body's id may be left out, or must equal it.
     */
    static Parsed parse(JsonNode node, String prefix, String pathId) {
        List<Violation> v = new ArrayList<>();
        if (node == null || !node.isObject()) {
            v.add(new Violation(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
                    "must be a JSON object describing a product"));
            return new Parsed(null, v);
        }
        for (java.util.Map.Entry<String, JsonNode> field : node.properties()) {
            String key = field.getKey();
            if (!FIELDS.contains(key)) {
                v.add(new Violation(prefix + (key.length() > 100 ? key.substring(0, 100) + "…" : key),
                        "is not a product field; see docs/catalog.md"));
            }
        }
        String id = text(node, "id", prefix, v);
        if (pathId != null) {
            if (id != null && !id.strip().equals(pathId)) {
                v.add(new Violation(prefix + "id", "must equal the id in the URL ('" + pathId + "') or be left out"));
            }
            id = pathId;
        }
        List<String> images = new ArrayList<>();
        JsonNode imagesNode = node.get("additional_image_links");
        if (imagesNode != null && !imagesNode.isNull()) {
            if (!imagesNode.isArray()) {
                v.add(new Violation(prefix + "additional_image_links", "must be an array of URLs"));
            } else {
                for (int i = 0; i < imagesNode.size(); i++) {
                    JsonNode u = imagesNode.get(i);
                    if (!u.isTextual() || u.textValue().length() > MAX_STRING) {
                        v.add(new Violation(prefix + "additional_image_links[" + i + "]", "must be a URL string"));
                    } else {
                        images.add(u.textValue());
                    }
                }
            }
        }
        String availability = text(node, "availability", prefix, v);
        Availability a = availability == null ? null : Availability.parse(availability).orElse(null);
        if (availability != null && a == null) {
            v.add(new Violation(prefix + "availability", "must be one of in_stock, out_of_stock, preorder, backorder"));
        }
        String condition = text(node, "condition", prefix, v);
        Condition c = condition == null ? Condition.NEW : Condition.parse(condition).orElse(null);
        if (c == null) {
            v.add(new Violation(prefix + "condition", "must be one of new, refurbished, used"));
        }
        Long inventory = null;
        JsonNode inv = node.get("inventory");
        if (inv != null && !inv.isNull()) {
            if (!inv.isIntegralNumber() || !inv.canConvertToLong()) {
                v.add(new Violation(prefix + "inventory", "must be a whole number"));
            } else {
                inventory = inv.longValue();
            }
        }
        String title = text(node, "title", prefix, v);
        String description = text(node, "description", prefix, v);
        String link = text(node, "link", prefix, v);
        String imageLink = text(node, "image_link", prefix, v);
        BigDecimal price = money(node, "price", prefix, v);
        BigDecimal salePrice = money(node, "sale_price", prefix, v);
        BigDecimal cost = money(node, "cost", prefix, v);
        String currency = text(node, "currency", prefix, v);
        String brand = text(node, "brand", prefix, v);
        String category = text(node, "google_product_category", prefix, v);
        String type = text(node, "product_type", prefix, v);
        String gtin = text(node, "gtin", prefix, v);
        String mpn = text(node, "mpn", prefix, v);
        String group = text(node, "item_group_id", prefix, v);
        if (!v.isEmpty()) {
            return new Parsed(null, v);
        }
        try {
            return new Parsed(new CatalogProduct(id, title, description, link, imageLink, images, price, salePrice,
                    currency, a, c, brand, category, type, gtin, mpn, group, cost, inventory), List.of());
        } catch (InvalidProductException e) {
            return new Parsed(null, e.violations().stream()
                    .map(x -> new Violation(prefix + x.field(), x.message())).toList());
        }
    }

    /**
     * A product read from JSON, or why not.
     *
     * @param product    the product, null when there are violations
     * @param violations what is wrong, empty when there is a product
     */
    record Parsed(CatalogProduct product, List<Violation> violations) {
    }

    private static String text(JsonNode node, String field, String prefix, List<Violation> v) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            v.add(new Violation(prefix + field, "must be a string"));
            return null;
        }
        if (n.textValue().length() > MAX_STRING) {
            v.add(new Violation(prefix + field, "must be at most " + MAX_STRING + " characters"));
            return null;
        }
        return n.textValue();
    }

    private static BigDecimal money(JsonNode node, String field, String prefix, List<Violation> v) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.decimalValue();
        }
        if (n.isTextual() && n.textValue().length() <= 40 && n.textValue().strip().matches("-?[0-9]+(\\.[0-9]+)?")) {
            return new BigDecimal(n.textValue().strip());
        }
        v.add(new Violation(prefix + field, "must be a decimal amount such as \"12.50\""));
        return null;
    }

    /** The API's view of a stored product. */
    static JsonObject render(JdbcCatalog.Entry e) {
        CatalogProduct p = e.product();
        JsonObject o = new JsonObject().put("id", p.id()).put("title", p.title()).put("description", p.description())
                .put("link", p.link()).put("image_link", p.imageLink())
                .put("additional_image_links", new JsonArray(new ArrayList<Object>(p.additionalImageLinks())))
                .put("price", p.price().toPlainString()).put("currency", p.currency())
                .put("availability", p.availability().json()).put("condition", p.condition().json());
        putIf(o, "sale_price", p.salePrice() == null ? null : p.salePrice().toPlainString());
        putIf(o, "brand", p.brand());
        putIf(o, "google_product_category", p.googleProductCategory());
        putIf(o, "product_type", p.productType());
        putIf(o, "gtin", p.gtin());
        putIf(o, "mpn", p.mpn());
        putIf(o, "item_group_id", p.itemGroupId());
        putIf(o, "cost", p.cost() == null ? null : p.cost().toPlainString());
        if (p.inventory() != null) {
            o.put("inventory", p.inventory());
        }
        return o.put("created_at", e.createdAt().toString()).put("updated_at", e.updatedAt().toString());
    }

    private static void putIf(JsonObject o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
