package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.InvalidProductException;
import io.rebound.core.event.Violation;
import io.rebound.server.api.BadRequest;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a platform's product (the JSON its product webhooks deliver) into catalog products, with
 * the ids the pixel and the order webhooks use ({@link OrderMessages}): on Shopify one catalog product
 * per <b>variant</b> (id = variant id, {@code item_group_id} = the product's id), on WooCommerce the
 * product's id for a simple product and the variation's id for a variation (its parent as group).
 * A variable WooCommerce product itself is no catalog product: the pixel never sends its id.
 *
 * <p>Every product goes through {@link CatalogProduct}'s validation; a variant it refuses is listed
 * with the fields at fault and the others are kept. Neither platform puts the currency on a product:
 * it is the currency the catalog already holds for that product, else the currency of the store's
 * catalog ({@code currencyOf}). A product that is not published (Shopify {@code status} other than
 * {@code active}, WooCommerce {@code status} other than {@code publish}) is kept as out of stock, so
 * ads stop showing it. Nothing here does I/O.
 */
public final class ProductMessages {
    static final int MAX_VARIANTS = 250;
    private static final Pattern TAGS = Pattern.compile("<[^>]{0,2000}>");
    private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\r\\n]+");
    private static final Pattern GTIN = Pattern.compile("\\d{8}|\\d{12,14}");

    private ProductMessages() {
    }

    /**
     * What a product delivery becomes.
     *
     * @param products valid catalog products to upsert
     * @param refused  variants the catalog refuses, each as "{id}: {field} {message}"
     * @param ignored  why nothing is upserted, when that is not a refusal (a variable product), else null
     */
    public record Products(List<CatalogProduct> products, List<String> refused, String ignored) {
    }

    /**
     * A Shopify product ({@code products/update}; the REST Product resource).
     *
     * @param shopDomain  the shop's domain ({@code X-Shopify-Shop-Domain}) for the product links
     * @param currencyOf  the currency to price a product id in, if known
     * @throws BadRequest naming the field when the product has no id or no variants
     */
    public static Products shopify(JsonNode product, String shopDomain, Function<String, Optional<String>> currencyOf) {
        String productId = requiredId(product, "id");
        if (!(product.get("variants") instanceof ArrayNode variants) || variants.isEmpty()) {
            throw new BadRequest("variants", "invalid_product", "the product has no 'variants': Shopify lists at "
                    + "least one variant per product");
        }
        String title = text(product.get("title"));
        String description = plain(text(product.get("body_html")));
        String handle = text(product.get("handle"));
        String status = text(product.get("status"));
        boolean published = status == null || "active".equals(status);
        String productImage = src(product.get("image")) != null ? src(product.get("image"))
                : product.get("images") instanceof ArrayNode images && !images.isEmpty() ? src(images.get(0)) : null;
        List<CatalogProduct> out = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        int n = 0;
        for (JsonNode v : variants) {
            if (++n > MAX_VARIANTS) {
                refused.add("variants: more than " + MAX_VARIANTS + "; the rest are left out");
                break;
            }
            String id = OrderMessages.id(v.get("id"));
            if (id == null) {
                refused.add("variants[" + (n - 1) + "]: id is missing");
                continue;
            }
            String variantTitle = text(v.get("title"));
            String fullTitle = variantTitle == null || "Default Title".equals(variantTitle) || title == null
                    ? title : title + " - " + variantTitle;
            String link = shopDomain == null || handle == null ? null
                    : "https://" + shopDomain + "/products/" + handle + (variants.size() > 1 ? "?variant=" + id : "");
            String image = variantImage(product.get("images"), id);
            BigDecimal price = money(v.get("price"));
            BigDecimal compareAt = money(v.get("compare_at_price"));
            boolean onSale = price != null && compareAt != null && compareAt.compareTo(price) > 0;
            Long inventory = v.get("inventory_quantity") != null && v.get("inventory_quantity").canConvertToLong()
                    ? Math.max(0, v.get("inventory_quantity").asLong()) : null;
            boolean tracked = text(v.get("inventory_management")) != null;
            boolean backorder = "continue".equals(text(v.get("inventory_policy")));
            Availability availability = !published ? Availability.OUT_OF_STOCK
                    : !tracked || backorder || inventory != null && inventory > 0 ? Availability.IN_STOCK
                    : Availability.OUT_OF_STOCK;
            Optional<String> currency = currencyOf.apply(id);
            build(refused, out, id, currency, b -> b.title(fullTitle)
                    .description(description != null ? description : fullTitle)
                    .link(link).imageLink(image != null ? image : productImage)
                    .price(onSale ? compareAt : price, currency.orElse(null)).salePrice(onSale ? price : null)
                    .availability(availability).brand(text(product.get("vendor")))
                    .productType(text(product.get("product_type"))).gtin(gtin(text(v.get("barcode"))))
                    .itemGroupId(productId).inventory(tracked ? inventory : null));
        }
        return new Products(out, refused, null);
    }

    /**
     * A WooCommerce product ({@code product.updated}; the REST API's product, or a variation).
     *
     * @throws BadRequest naming the field when the product has no id
     */
    public static Products woocommerce(JsonNode product, Function<String, Optional<String>> currencyOf) {
        String id = requiredId(product, "id");
        String type = text(product.get("type"));
        if ("variable".equals(type) || "grouped".equals(type)) {
            return new Products(List.of(), List.of(), "a " + type + " product is not sold itself: its "
                    + ("variable".equals(type) ? "variations" : "children") + " are catalog products of their own");
        }
        String parent = OrderMessages.id(product.get("parent_id"));
        String status = text(product.get("status"));
        boolean published = status == null || "publish".equals(status);
        String title = text(product.get("name"));
        String description = plain(text(product.get("description")));
        if (description == null) {
            description = plain(text(product.get("short_description")));
        }
        String image = src(product.get("image"));
        if (image == null && product.get("images") instanceof ArrayNode images && !images.isEmpty()) {
            image = src(images.get(0));
        }
        BigDecimal regular = money(product.get("regular_price"));
        BigDecimal sale = money(product.get("sale_price"));
        BigDecimal price = regular != null ? regular : money(product.get("price"));
        boolean onSale = sale != null && price != null && sale.compareTo(price) < 0;
        String stock = text(product.get("stock_status"));
        Availability availability = !published ? Availability.OUT_OF_STOCK : switch (stock == null ? "instock" : stock) {
            case "outofstock" -> Availability.OUT_OF_STOCK;
            case "onbackorder" -> Availability.BACKORDER;
            default -> Availability.IN_STOCK;
        };
        boolean managed = product.get("manage_stock") != null && product.get("manage_stock").asBoolean(false);
        JsonNode quantity = product.get("stock_quantity");
        Long inventory = managed && quantity != null && quantity.canConvertToLong() ? Math.max(0, quantity.asLong()) : null;
        String category = null;
        if (product.get("categories") instanceof ArrayNode categories && !categories.isEmpty()) {
            category = text(categories.get(0).get("name"));
        }
        String group = parent == null || "0".equals(parent) ? null : parent;
        String finalDescription = description != null ? description : title;
        String finalCategory = category;
        String finalImage = image;
        Optional<String> currency = currencyOf.apply(id);
        List<CatalogProduct> out = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        build(refused, out, id, currency, b -> b.title(title).description(finalDescription)
                .link(text(product.get("permalink"))).imageLink(finalImage)
                .price(price, currency.orElse(null)).salePrice(onSale ? sale : null).availability(availability)
                .productType(finalCategory).gtin(gtin(text(product.get("global_unique_id"))))
                .itemGroupId(group).inventory(inventory));
        return new Products(out, refused, null);
    }

    private static void build(List<String> refused, List<CatalogProduct> out, String id, Optional<String> currency,
                              java.util.function.Consumer<CatalogProduct.Builder> fill) {
        if (currency.isEmpty()) {
            refused.add(id + ": currency is unknown: the store's catalog holds no product yet, so its currency "
                    + "is not known; load the catalog once (catalog API or CSV)");
            return;
        }
        CatalogProduct.Builder b = CatalogProduct.builder(id);
        fill.accept(b);
        try {
            out.add(b.build());
        } catch (InvalidProductException e) {
            StringBuilder s = new StringBuilder(id).append(':');
            for (Violation v : e.violations()) {
                s.append(' ').append(v.field()).append(' ').append(v.message()).append(';');
            }
            refused.add(s.toString());
        }
    }

    /** The image listed for this variant ({@code images[].variant_ids}), if any. */
    private static String variantImage(JsonNode images, String variantId) {
        if (!(images instanceof ArrayNode list)) {
            return null;
        }
        for (JsonNode image : list) {
            if (image.get("variant_ids") instanceof ArrayNode ids) {
                for (JsonNode v : ids) {
                    if (variantId.equals(OrderMessages.id(v))) {
                        return src(image);
                    }
                }
            }
        }
        return null;
    }

    private static String src(JsonNode image) {
        if (image == null || !image.isObject()) {
            return null;
        }
        String s = text(image.get("src"));
        // Shopify writes protocol-relative URLs in some payloads.
        return s != null && s.startsWith("//") ? "https:" + s : s;
    }

    /** The text of HTML: tags removed, the common entities decoded, white space collapsed. */
    static String plain(String html) {
        if (html == null) {
            return null;
        }
        String s = TAGS.matcher(html).replaceAll(" ").replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", "\"").replace("&#39;", "'").replace("&#039;", "'").replace("&amp;", "&");
        s = SPACES.matcher(s).replaceAll(" ").strip();
        if (s.isEmpty()) {
            return null;
        }
        return s.length() > 5000 ? s.substring(0, 5000) : s;
    }

    /** A barcode that may be a GTIN, or null: the catalog refuses a product whose GTIN is malformed. */
    private static String gtin(String barcode) {
        return barcode != null && GTIN.matcher(barcode).matches() ? barcode : null;
    }

    private static BigDecimal money(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        String s = n.isNumber() ? n.decimalValue().toPlainString() : text(n);
        if (s == null || s.length() > 30) {
            return null;
        }
        try {
            return new BigDecimal(s.strip().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String requiredId(JsonNode product, String key) {
        String id = OrderMessages.id(product.get(key));
        if (id == null) {
            throw new BadRequest(key, "invalid_product", "the product has no usable '" + key + "'");
        }
        return id;
    }

    private static String text(JsonNode n) {
        if (n == null || !n.isTextual() || n.textValue().isBlank()) {
            return null;
        }
        return n.textValue().strip();
    }
}
