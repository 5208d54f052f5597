package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.collect.Pii;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checkout and product topics, repeats, malformed deliveries and signature failures, over real
 * HTTP on the embedded server, with the platforms' documented example payloads
 * (Shopify checkouts/create and products/update, WooCommerce's product).
 */
class WebhookTopicsTest {
    private static final String SHOPIFY_SECRET = "shpss_topics_0123456789abcdef0123";
    private static final String WOO_SECRET = "wc-secret-topics-0123456789";

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static WebhookClient client;
    private static StoreRepository.Created shop;

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0));
        client = new WebhookClient(server);
        shop = server.stores().create("Topics shop", false);
        secrets(shop);
        // Products arrive without a currency: the store's catalog says which.
        assertThat(client.api("PUT", shop, "/products/seed", "{\"title\": \"Seed\", \"description\": \"Seed\","
                + " \"link\": \"https://shop.example/seed\", \"image_link\": \"https://shop.example/seed.jpg\","
                + " \"price\": \"1.00\", \"currency\": \"USD\", \"availability\": \"in_stock\"}").status()).isEqualTo(201);
    }

    private static void secrets(StoreRepository.Created store) throws Exception {
        assertThat(client.api("PUT", store, "/webhooks/shopify", Json.MAPPER.writeValueAsString(
                Map.of("secret", SHOPIFY_SECRET))).status()).isEqualTo(200);
        assertThat(client.api("PUT", store, "/webhooks/woocommerce", Json.MAPPER.writeValueAsString(
                Map.of("secret", WOO_SECRET))).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static ObjectNode checkout(String token, String anonymousId, String email) throws Exception {
        ObjectNode c = (ObjectNode) Json.MAPPER.readTree(WebhookApiTest.fixture("shopify-checkouts-create.json"));
        c.put("token", token).put("created_at", Instant.now().minus(10, ChronoUnit.MINUTES).toString())
                .put("abandoned_checkout_url", "https://yoga-shop.myshopify.com/548380009/checkouts/" + token
                        + "/recover?key=example-secret-token");
        if (email == null) {
            c.putNull("email");
            ((ObjectNode) c.get("customer")).putNull("email");
        } else {
            c.put("email", email);
            ((ObjectNode) c.get("customer")).put("email", email);
        }
        c.remove("customer");
        if (anonymousId != null) {
            c.putArray("note_attributes").addObject().put("name", "_rb_aid").put("value", anonymousId);
        }
        return c;
    }

    // ---- checkouts ---------------------------------------------------------------------------

    @Test
    void aShopifyCheckoutBecomesOneInitiateCheckoutKeepingTheRecoveryUrl() throws Exception {
        String visitor = "checkout-visitor-1";
        byte[] created = Json.MAPPER.writeValueAsBytes(checkout("tok-1", visitor, null));
        WebhookClient.Response r = client.deliver(shop, "shopify", "checkouts/create", "c-1", created, SHOPIFY_SECRET);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("event_id").asText()).isEqualTo("checkout-tok-1");
        // The update that adds the email: the same InitiateCheckout, and the email linked to the visitor.
        byte[] updated = Json.MAPPER.writeValueAsBytes(checkout("tok-1", visitor, "Shopper.One@Example.com"));
        assertThat(client.deliver(shop, "shopify", "checkouts/update", "c-2", updated, SHOPIFY_SECRET).status())
                .isEqualTo(200);

        List<JsonNode> checkouts = client.events(shop, visitor, "InitiateCheckout");
        assertThat(checkouts).hasSize(1);
        JsonNode e = checkouts.get(0);
        assertThat(e.get("event_id").asText()).isEqualTo("checkout-tok-1");
        assertThat(e.get("source").asText()).isEqualTo("SERVER");
        assertThat(e.get("value").decimalValue()).isEqualByComparingTo("59.97");
        assertThat(e.get("product_ids").toString()).isEqualTo("[\"642667041472713922\",\"757650484644203962\"]");
        assertThat(e.get("properties").get("abandoned_checkout_url").asText())
                .isEqualTo("https://yoga-shop.myshopify.com/548380009/checkouts/tok-1/recover?key=example-secret-token");
        assertThat(e.get("properties").get("checkout_id").asText()).isEqualTo("981820079255243537");
        // The link also has its own event, kept whichever InitiateCheckout (pixel's or webhook's) came first.
        List<JsonNode> recovery = client.events(shop, visitor, "CheckoutRecovery");
        assertThat(recovery).hasSize(1);
        assertThat(recovery.get(0).get("properties").get("abandoned_checkout_url").asText())
                .isEqualTo(e.get("properties").get("abandoned_checkout_url").asText());
        assertThat(recovery.get(0).get("event_id").asText()).isEqualTo("checkout-recovery-tok-1");
        List<JsonNode> identifies = client.events(shop, visitor, "Identify");
        assertThat(identifies).hasSize(1);
        assertThat(identifies.get(0).toString()).contains(Pii.emailSha256("shopper.one@example.com"))
                .doesNotContain("Example.com");
    }

    @Test
    void theOrderCarryingTheVisitorsIdMergesTheVisitorWithTheBuyersEmail() throws Exception {
        String visitor = "browsing-visitor-2";
        byte[] order = WebhookApiTest.shopifyOrder(9_100_000_001L, 9_100_000_002L, visitor);
        assertThat(client.deliver(shop, "shopify", "orders/create", "o-2", order, SHOPIFY_SECRET).status())
                .isEqualTo(200);
        List<JsonNode> identifies = client.events(shop, visitor, "Identify");
        assertThat(identifies).hasSize(1);
        JsonNode i = identifies.get(0);
        assertThat(i.get("anonymous_id").asText()).isEqualTo(visitor);
        assertThat(i.get("user_id").asText()).isEqualTo("9100000002");
        assertThat(i.toString()).contains(Pii.emailSha256("jon+9100000002@example.com"));
        // The purchase is filed under the browsing visitor, with the customer id beside it.
        List<JsonNode> purchases = client.events(shop, visitor, "Purchase");
        assertThat(purchases).hasSize(1);
        assertThat(purchases.get(0).get("user_id").asText()).isEqualTo("9100000002");
    }

    // ---- products ----------------------------------------------------------------------------

    @Test
    void aShopifyProductUpdateUpsertsEachVariantUnderThePixelsIds() throws Exception {
        ObjectNode p = (ObjectNode) Json.MAPPER.readTree(WebhookApiTest.fixture("shopify-products-update.json"));
        p.putObject("image").put("src", "https://cdn.shopify.com/s/files/1/example-t-shirt.jpg");
        byte[] body = Json.MAPPER.writeValueAsBytes(p);
        WebhookClient.Response r = client.deliver(shop, "shopify", "products/update", "p-1", body, SHOPIFY_SECRET);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("products").toString()).isEqualTo("[\"642667041472713922\",\"757650484644203962\"]");
        client.awaitProcessed();

        JsonNode small = client.api("GET", shop, "/products/642667041472713922", null).json();
        assertThat(small.get("title").asText()).isEqualTo("Example T-Shirt - Small");
        assertThat(small.get("item_group_id").asText()).isEqualTo("788032119674292922");
        assertThat(small.get("link").asText())
                .isEqualTo("https://yoga-shop.myshopify.com/products/example-t-shirt?variant=642667041472713922");
        assertThat(small.get("image_link").asText()).isEqualTo("https://cdn.shopify.com/s/files/1/example-t-shirt.jpg");
        // compare_at_price above price: the regular price is compare_at, the sale price the price.
        assertThat(small.get("price").asText()).isEqualTo("24.99");
        assertThat(small.get("sale_price").asText()).isEqualTo("19.99");
        assertThat(small.get("currency").asText()).isEqualTo("USD");
        assertThat(small.get("brand").asText()).isEqualTo("Acme");
        assertThat(small.get("availability").asText()).isEqualTo("in_stock");
        assertThat(small.get("inventory").asLong()).isEqualTo(75);
        JsonNode medium = client.api("GET", shop, "/products/757650484644203962", null).json();
        assertThat(medium.get("availability").asText()).isEqualTo("out_of_stock");
    }

    @Test
    void theDocumentedShopifyProductWithoutAnImageIsA400NamingTheField() throws Exception {
        byte[] body = WebhookApiTest.fixture("shopify-products-update.json");
        WebhookClient.Response r = client.deliver(shop, "shopify", "products/update", "p-2", body, SHOPIFY_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_product");
        assertThat(r.json().get("errors").get(0).asText()).contains("image_link");
        assertThat(client.count("delivery_id = 'p-2'")).isZero();
    }

    @Test
    void aWooCommerceProductUpdateUpsertsTheCatalog() throws Exception {
        byte[] body = WebhookApiTest.fixture("woocommerce-product.json");
        WebhookClient.Response r = client.deliver(shop, "woocommerce", "product.updated", "wp-1", body, WOO_SECRET);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        client.awaitProcessed();
        JsonNode p = client.api("GET", shop, "/products/794", null).json();
        assertThat(p.get("title").asText()).isEqualTo("Premium Quality");
        assertThat(p.get("description").asText()).startsWith("Pellentesque habitant morbi").doesNotContain("<p>");
        assertThat(p.get("link").asText()).isEqualTo("https://example.com/product/premium-quality-19/");
        assertThat(p.get("image_link").asText()).isEqualTo("https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg");
        assertThat(p.get("price").asText()).isEqualTo("21.99");
        assertThat(p.has("sale_price")).isFalse();
        assertThat(p.get("product_type").asText()).isEqualTo("Clothing");

        ObjectNode variable = (ObjectNode) Json.MAPPER.readTree(body);
        variable.put("id", 795).put("type", "variable");
        WebhookClient.Response ignored = client.deliver(shop, "woocommerce", "product.updated", "wp-2",
                Json.MAPPER.writeValueAsBytes(variable), WOO_SECRET);
        assertThat(ignored.json().get("status").asText()).isEqualTo("ignored");
    }

    @Test
    void aProductOfAStoreWhoseCatalogIsEmptyIsRefusedForWantOfACurrency() throws Exception {
        StoreRepository.Created empty = server.stores().create("Empty catalog", false);
        secrets(empty);
        WebhookClient.Response r = client.deliver(empty, "woocommerce", "product.updated", "wp-3",
                WebhookApiTest.fixture("woocommerce-product.json"), WOO_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("currency");
    }

    // ---- repeats, malformed, signatures ------------------------------------------------------

    @Test
    void aRepeatedWooCommerceDeliveryIsDroppedByItsDeliveryId() throws Exception {
        byte[] body = WebhookApiTest.fixture("woocommerce-product.json");
        assertThat(client.deliver(shop, "woocommerce", "product.updated", "repeat-1", body, WOO_SECRET)
                .json().get("status").asText()).isEqualTo("accepted");
        client.awaitProcessed();
        WebhookClient.Response again = client.deliver(shop, "woocommerce", "product.updated", "repeat-1", body,
                WOO_SECRET);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("duplicate");
        assertThat(client.count("delivery_id = 'repeat-1'")).isEqualTo(1);
        // The same id on the other platform is another delivery.
        byte[] checkout = Json.MAPPER.writeValueAsBytes(checkout("tok-repeat", null, null));
        assertThat(client.deliver(shop, "shopify", "checkouts/create", "repeat-1", checkout, SHOPIFY_SECRET)
                .json().get("status").asText()).isEqualTo("accepted");
    }

    @Test
    void aRepeatWhileTheFirstIsStillWaitingIsDroppedToo() throws Exception {
        byte[] body = Json.MAPPER.writeValueAsBytes(checkout("tok-burst", "burst-visitor", null));
        List<WebhookClient.Response> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    answers.add(client.deliver(shop, "shopify", "checkouts/create", "burst-1", body, SHOPIFY_SECRET));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(answers).extracting(a -> a.json().get("status").asText())
                .containsOnly("accepted", "duplicate").containsOnlyOnce("accepted");
        assertThat(client.count("delivery_id = 'burst-1'")).isEqualTo(1);
    }

    @Test
    void aCheckoutWithoutTokenOrIdIs400NamingTheField() throws Exception {
        byte[] body = "{\"email\": \"a@example.com\", \"line_items\": []}".getBytes(StandardCharsets.UTF_8);
        WebhookClient.Response r = client.deliver(shop, "shopify", "checkouts/update", "m-1", body, SHOPIFY_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("field").asText()).isEqualTo("id");
        assertThat(client.count("delivery_id = 'm-1'")).isZero();
    }

    @Test
    void aProductWithoutVariantsIs400NamingTheField() throws Exception {
        byte[] body = "{\"id\": 1, \"title\": \"No variants\"}".getBytes(StandardCharsets.UTF_8);
        WebhookClient.Response r = client.deliver(shop, "shopify", "products/update", "m-2", body, SHOPIFY_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("field").asText()).isEqualTo("variants");
    }

    @Test
    void aSignedArrayInsteadOfAnObjectIs400() throws Exception {
        byte[] body = "[{\"id\": 794}]".getBytes(StandardCharsets.UTF_8);
        WebhookClient.Response r = client.deliver(shop, "woocommerce", "product.updated", "m-3", body, WOO_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_json");
    }

    @Test
    void aCheckoutOrProductSignedWithAnotherSecretIs401AndStoresNothing() throws Exception {
        byte[] checkout = Json.MAPPER.writeValueAsBytes(checkout("tok-forged", "forger", "x@example.com"));
        WebhookClient.Response forged = client.deliver(shop, "shopify", "checkouts/create", "s-1", checkout,
                "shpss_someone_elses_secret_000000");
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().get("error").asText()).isEqualTo("invalid_signature");
        WebhookClient.Response unsigned = client.deliver(shop, "woocommerce", "product.updated", "s-2",
                WebhookApiTest.fixture("woocommerce-product.json"), null);
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(unsigned.json().get("error").asText()).isEqualTo("missing_signature");
        assertThat(client.count("delivery_id IN ('s-1', 's-2')")).isZero();
    }
}
