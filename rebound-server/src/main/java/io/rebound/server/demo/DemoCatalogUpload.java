package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.json.Json;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Puts the demo shop's products into its Rebound catalog the way a store does: one
 * {@code POST /api/v1/stores/{store}/products/batch} with the store's secret key, over HTTP, so the
 * demo's feeds, Products page and coverage read what the API stored (docs/catalog.md). The shop's
 * own product list ({@link DemoCatalog}) stays the source; each product's id is the one the shop's
 * pixel sends, its link and image the shop's pages.
 */
public final class DemoCatalogUpload {
    /** The demo shop's brand: Meta and TikTok refuse a product without one. */
    static final String BRAND = "Rebound Yoga";
    private static final Map<String, String> GOOGLE_CATEGORY = Map.of(
            "mats", "Sporting Goods > Athletics > Yoga & Pilates > Yoga & Pilates Mats",
            "props", "Sporting Goods > Athletics > Yoga & Pilates",
            "apparel", "Apparel & Accessories > Clothing > Activewear",
            "accessories", "Sporting Goods > Athletics > Yoga & Pilates");

    /** The demo's cost of goods, a share of the price, so the campaign's margin guard has a floor. */
    static final BigDecimal COST_SHARE = new BigDecimal("0.35");

    private DemoCatalogUpload() {
    }

    /** The batch body: every product of {@code catalog}, linked to the shop at {@code shopBase}. */
    static String batch(DemoCatalog catalog, String shopBase) {
        String shop = shopBase.replaceAll("/+$", "") + "/shop";
        ArrayNode products = JsonNodeFactory.instance.arrayNode();
        for (DemoProduct p : catalog.products()) {
            ObjectNode o = products.addObject();
            o.put("id", p.id()).put("title", p.name()).put("description", p.description())
                    .put("link", shop + "/products/" + p.id()).put("image_link", shop + "/images/" + p.id() + ".svg")
                    .put("price", p.price().toPlainString()).put("currency", DemoCatalog.CURRENCY)
                    .put("cost", p.price().multiply(COST_SHARE).setScale(2, RoundingMode.HALF_UP).toPlainString())
                    .put("availability", "in_stock").put("condition", "new").put("brand", BRAND)
                    .put("product_type", catalog.categories().get(p.category()))
                    .put("google_product_category", GOOGLE_CATEGORY.get(p.category()));
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("products", products);
        return body.toString();
    }

    /**
     * Uploads {@code catalog} to the store through the API at {@code server}; returns the catalog's size
     * afterwards. {@code shopBase} is the public base URL the links and images point to.
     */
    public static long upload(URI server, String storeId, String secretKey, DemoCatalog catalog, String shopBase)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.resolve("/api/v1/stores/" + storeId
                                + "/products/batch"))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + secretKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(batch(catalog, shopBase))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("the catalog API refused the demo catalog: HTTP " + r.statusCode() + " " + r.body());
        }
        JsonNode answer = Json.MAPPER.readTree(r.body());
        return answer.path("total").asLong();
    }

    /** The demo store's feed URLs by platform ({@code google}, {@code meta}, …), from the catalog API. */
    public static Map<String, String> feedUrls(URI server, String storeId, String secretKey)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.resolve("/api/v1/stores/" + storeId
                        + "/catalog/feeds")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + secretKey).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("the catalog API did not give the feed URLs: HTTP " + r.statusCode());
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode f : (Iterable<JsonNode>) Json.MAPPER.readTree(r.body()).path("feeds")::elements) {
            out.put(f.path("platform").asText(), f.path("url").asText());
        }
        return out;
    }
}
