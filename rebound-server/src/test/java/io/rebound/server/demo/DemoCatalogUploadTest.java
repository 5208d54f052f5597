package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo store's catalog comes in through the catalog API at start (not written into the tables, not
 * read from {@link DemoCatalog} by the feeds): its 23 products are then what the API lists and the feeds
 * serve, with the ids the shop's pixel sends and links to the shop's pages, and a restart replaces them
 * rather than adding more.
 */
class DemoCatalogUploadTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static JsonNode get(String url, String secret) throws Exception {
        return Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void theDemoStoresProductsAreUploadedThroughTheApiAndServedInItsFeeds() throws Exception {
        for (int start = 0; start < 2; start++) {
            try (ReboundServer demo = ReboundServer.start(ServerConfig.demo(dir, 0))) {
                String store = demo.demoStore().storeId();
                String secret = demo.demoStore().secretKey();
                String api = demo.baseUrl() + "/api/v1/stores/" + store;
                JsonNode list = get(api + "/products?limit=100", secret);
                assertThat(list.get("total").asInt()).isEqualTo(23);
                JsonNode mat = get(api + "/products/yoga-mat", secret);
                assertThat(mat.get("price").asText()).isEqualTo("68.00");
                assertThat(mat.get("link").asText()).isEqualTo(demo.baseUrl() + "/shop/products/yoga-mat");
                assertThat(mat.get("brand").asText()).isEqualTo(DemoCatalogUpload.BRAND);
                assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(mat.get("image_link").asText())).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as("the image is the shop's").isEqualTo(200);

                Map<String, String> feeds = DemoCatalogUpload.feedUrls(URI.create(demo.baseUrl()), store, secret);
                assertThat(feeds).containsKeys("meta", "google", "tiktok", "pinterest");
                String csv = HTTP.send(HttpRequest.newBuilder(URI.create(feeds.get("meta"))).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(csv.split("\r\n")).hasSize(24);
                assertThat(csv).contains("yoga-mat,Everyday Yoga Mat,").contains("68.00 USD");
                JsonNode report = get(api + "/catalog/report", secret);
                report.get("platforms").forEach(p -> assertThat(p.get("ready").asInt()).as(p.toString()).isEqualTo(23));
            }
        }
    }

    @Test
    void theBatchLinksEveryProductToTheShopAtItsPublicUrl() throws Exception {
        JsonNode batch = Json.MAPPER.readTree(DemoCatalogUpload.batch(DemoCatalog.yogaShop(), "https://demo.example/"));
        assertThat(batch.get("products")).hasSize(23);
        JsonNode block = batch.get("products").get(5);
        assertThat(block.get("id").asText()).isEqualTo("yoga-block");
        assertThat(block.get("link").asText()).isEqualTo("https://demo.example/shop/products/yoga-block");
        assertThat(block.get("image_link").asText()).isEqualTo("https://demo.example/shop/images/yoga-block.svg");
        assertThat(block.get("product_type").asText()).isEqualTo("Props");
    }
}
