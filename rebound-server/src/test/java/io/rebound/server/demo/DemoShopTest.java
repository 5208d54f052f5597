package io.rebound.server.demo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class DemoShopTest {

    private static ShopTestServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = new ShopTestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void catalogHasTheBriefsProductsAndAboutTwentyMore() {
        DemoCatalog catalog = DemoCatalog.yogaShop();
        assertThat(catalog.products()).hasSizeBetween(21, 25);
        assertThat(catalog.find("yoga-mat")).hasValueSatisfying(p -> assertThat(p.price()).isEqualByComparingTo("68"));
        assertThat(catalog.find("yoga-block")).isPresent();
        assertThat(catalog.find("carry-strap")).isPresent();
        assertThat(catalog.complementsOf("yoga-mat")).extracting(DemoProduct::id).containsExactly("yoga-block", "carry-strap");
        catalog.products().forEach(p -> assertThat(p.complements()).allSatisfy(c -> assertThat(catalog.find(c)).isPresent()));
    }

    @Test
    void everyPageCarriesExactlyTheInstallSnippet() throws Exception {
        String snippet = InstallSnippet.html(server.baseUrl(), ShopTestServer.WRITE_KEY);
        for (String path : new String[] {"/shop/", "/shop/categories/mats", "/shop/products/yoga-mat", "/shop/cart", "/shop/checkout"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).contains(snippet);
        }
    }

    @Test
    void productPageFiresViewContentWithIdValueAndCurrency() throws Exception {
        String body = get("/shop/products/yoga-mat").body();
        assertThat(body).contains("rebound('track','ViewContent',{\"content_ids\":[\"yoga-mat\"]")
                .contains("\"value\":68.00").contains("\"currency\":\"USD\"").contains("data-testid=\"add-to-cart\"");
    }

    @Test
    void unknownProductCategoryAndOrderAre404Pages() throws Exception {
        for (String path : new String[] {"/shop/products/nope", "/shop/categories/nope", "/shop/orders/ord_nope", "/shop/nowhere"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).contains("data-testid=\"error-page\"");
        }
        assertThat(get("/shop/images/nope.svg").statusCode()).isEqualTo(404);
    }

    @Test
    void productImagesAreGeneratedSvg() throws Exception {
        HttpResponse<String> r = get("/shop/images/yoga-mat.svg");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
        assertThat(r.body()).startsWith("<svg").contains("Everyday Yoga Mat");
    }

    @Test
    void placingAnOrderPricesFromTheCatalogAndTheConfirmationFiresPurchaseWithTheOrderIdAsEventId() throws Exception {
        HttpResponse<String> created = post("/shop/orders", "application/json",
                "{\"email\":\"jane@example.com\",\"items\":[{\"id\":\"yoga-mat\",\"quantity\":1},{\"id\":\"yoga-block\",\"quantity\":2}]}");
        assertThat(created.statusCode()).isEqualTo(201);
        String orderId = io.rebound.server.json.Json.MAPPER.readTree(created.body()).path("orderId").asText();
        assertThat(orderId).startsWith("ord_");
        assertThat(server.shop.order(orderId)).hasValueSatisfying(o -> assertThat(o.value()).isEqualByComparingTo("104"));

        String page = get("/shop/orders/" + orderId).body();
        assertThat(page).contains("rebound('track','Purchase',{\"content_ids\":[\"yoga-mat\",\"yoga-block\"]")
                .contains("\"value\":104.00").contains("{\"eventID\":\"" + orderId + "\"}").contains("j***@example.com")
                .doesNotContain("jane@example.com");
    }

    @Test
    void theCheckoutFormRedirectsToTheConfirmation() throws Exception {
        HttpResponse<String> r = post("/shop/orders", "application/x-www-form-urlencoded", "email=a%40b.co&items=carry-strap%3A1");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("/shop/orders/ord_"));
    }

    @Test
    void badOrdersGetA400NamingTheField() throws Exception {
        HttpResponse<String> unknown = post("/shop/orders", "application/json", "{\"email\":\"a@b.co\",\"items\":[{\"id\":\"x\"}]}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("items: unknown product id 'x'");
        assertThat(post("/shop/orders", "application/json", "{\"email\":\"nope\",\"items\":[{\"id\":\"yoga-mat\"}]}").body())
                .contains("email:");
        assertThat(post("/shop/orders", "application/json", "{not json").statusCode()).isEqualTo(400);
        assertThat(post("/shop/orders", "application/json", "{\"email\":\"a@b.co\",\"items\":[{\"id\":\"yoga-mat\",\"quantity\":\"x\"}]}")
                .statusCode()).isEqualTo(400);
        HttpResponse<String> form = post("/shop/orders", "application/x-www-form-urlencoded", "email=a%40b.co&items=");
        assertThat(form.statusCode()).isEqualTo(400);
        assertThat(form.body()).contains("items: the cart is empty");
    }
}
