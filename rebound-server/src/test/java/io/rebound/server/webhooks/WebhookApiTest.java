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

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Store webhooks on the embedded server over real HTTP: the secrets API, signatures, the ping,
 * platform payloads (fixtures from the platforms' documented examples) turned into purchases,
 * redelivery and browser/webhook dedup, and tenant isolation.
 */
class WebhookApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SHOPIFY_SECRET = "shpss_0123456789abcdef0123456789abcdef";
    private static final String WOO_SECRET = "wc-secret-" + "9f8e7d6c5b4a39281706";
    private static final AtomicLong IDS = new AtomicLong(5_000_000_000L);

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static StoreRepository.Created shop;
    private static StoreRepository.Created other;

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0));
        shop = server.stores().create("Yoga shop", false);
        other = server.stores().create("Other shop", false);
        assertThat(setSecret(shop, "shopify", SHOPIFY_SECRET).status()).isEqualTo(200);
        assertThat(setSecret(shop, "woocommerce", WOO_SECRET).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Response(int status, JsonNode json, String body) {
    }

    // ---- secrets API -------------------------------------------------------------------------

    @Test
    void aSecretIsStoredEncryptedAndShownOnlyByItsLastFourCharacters() throws Exception {
        StoreRepository.Created store = server.stores().create("Secrets shop", false);
        String secret = "my-woo-webhook-secret-XY42";
        Response put = setSecret(store, "woocommerce", secret);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).doesNotContain(secret);
        assertThat(put.json().get("secret_hint").asText()).isEqualTo("…XY42");
        assertThat(put.json().get("url").asText())
                .isEqualTo(server.baseUrl() + "/webhooks/" + store.store().id() + "/woocommerce");

        Response list = api("GET", store, "/webhooks", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(secret);
        JsonNode shopify = list.json().get("webhooks").get(0);
        assertThat(shopify.get("platform").asText()).isEqualTo("shopify");
        assertThat(shopify.get("secret_set").asBoolean()).isFalse();
        assertThat(shopify.get("topics").get(0).asText()).isEqualTo("orders/create");
        JsonNode woo = list.json().get("webhooks").get(1);
        assertThat(woo.get("secret_set").asBoolean()).isTrue();
        assertThat(woo.get("secret_hint").asText()).isEqualTo("…XY42");
        assertThat(woo.get("topics").toString()).isEqualTo("[\"order.created\",\"order.updated\",\"product.updated\"]");

        try (Connection c = server.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT secret FROM store_webhook_secrets WHERE store_id = '"
                     + store.store().id() + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("v1:").doesNotContain(secret);
        }
        // The keyring is the one destinations use: no second key file in the data directory.
        assertThat(dir.resolve("credentials.keys")).exists();
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains("keys")).toList())
                    .containsExactly("credentials.keys");
        }

        assertThat(api("DELETE", store, "/webhooks/woocommerce", null).status()).isEqualTo(204);
        assertThat(api("DELETE", store, "/webhooks/woocommerce", null).status()).isEqualTo(404);
    }

    @Test
    void aBadSecretIsA400NamingTheFieldAndOtherKeysCannotSetOne() throws Exception {
        assertThat(api("PUT", shop, "/webhooks/shopify", "{\"secret\": \"short\"}").json().get("field").asText())
                .isEqualTo("secret");
        assertThat(api("PUT", shop, "/webhooks/shopify", "{\"secret\": 42}").status()).isEqualTo(400);
        assertThat(api("PUT", shop, "/webhooks/shopify", "{\"secret\": \" padded-secret-0123456789 \"}").status())
                .isEqualTo(400);
        Response unknown = api("PUT", shop, "/webhooks/shopify", "{\"secret\": \"0123456789abcdef01\", \"key\": 1}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("field").asText()).isEqualTo("key");
        assertThat(api("PUT", shop, "/webhooks/magento", "{\"secret\": \"0123456789abcdef01\"}").status())
                .isEqualTo(404);
        Response noKey = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                + shop.store().id() + "/webhooks/shopify")).PUT(HttpRequest.BodyPublishers.ofString("{\"secret\": \"x\"}")));
        assertThat(noKey.status()).isEqualTo(401);
        Response otherKey = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/"
                        + shop.store().id() + "/webhooks/shopify")).header("Authorization", "Bearer " + other.secretKey())
                .PUT(HttpRequest.BodyPublishers.ofString("{\"secret\": \"0123456789abcdef0123\"}")));
        assertThat(otherKey.status()).isEqualTo(404);
    }

    // ---- signatures --------------------------------------------------------------------------

    @Test
    void aWrongOrMissingSignatureIs401AndStoresNothing() throws Exception {
        long customer = IDS.incrementAndGet();
        byte[] body = shopifyOrder(IDS.incrementAndGet(), customer, null);
        Response wrong = deliver(shop, "shopify", "orders/create", null, body, Signatures.sign(body, "not-the-secret-at-all"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("invalid_signature");
        assertThat(wrong.json().get("message").asText()).contains("X-Shopify-Hmac-Sha256");
        Response garbage = deliver(shop, "shopify", "orders/create", null, body, "%%% not base64");
        assertThat(garbage.status()).isEqualTo(401);
        Response missing = deliver(shop, "shopify", "orders/create", null, body, null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("error").asText()).isEqualTo("missing_signature");
        // A signature over other bytes (the body altered after signing) is refused too.
        byte[] altered = new String(body, StandardCharsets.UTF_8).replace("403.00", "1.00").getBytes(StandardCharsets.UTF_8);
        assertThat(deliver(shop, "shopify", "orders/create", null, altered, Signatures.sign(body, SHOPIFY_SECRET))
                .status()).isEqualTo(401);
        assertThat(events(shop, String.valueOf(customer))).isEmpty();
    }

    @Test
    void afterRotationTheOldSecretIsRefusedAndTheNewOneAccepted() throws Exception {
        StoreRepository.Created store = server.stores().create("Rotating shop", false);
        String first = "first-secret-0123456789";
        String second = "second-secret-9876543210";
        setSecret(store, "shopify", first);
        byte[] one = shopifyOrder(IDS.incrementAndGet(), IDS.incrementAndGet(), null);
        assertThat(deliver(store, "shopify", "orders/create", null, one, Signatures.sign(one, first)).status()).isEqualTo(200);
        setSecret(store, "shopify", second);
        byte[] two = shopifyOrder(IDS.incrementAndGet(), IDS.incrementAndGet(), null);
        Response old = deliver(store, "shopify", "orders/create", null, two, Signatures.sign(two, first));
        assertThat(old.status()).isEqualTo(401);
        assertThat(deliver(store, "shopify", "orders/create", null, two, Signatures.sign(two, second)).status())
                .isEqualTo(200);
    }

    @Test
    void oneStoresSecretCannotPostToAnotherStore() throws Exception {
        long customer = IDS.incrementAndGet();
        byte[] body = shopifyOrder(IDS.incrementAndGet(), customer, null);
        // The other store has no secret yet: refused, and told how to set one.
        Response none = deliver(other, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").asText()).isEqualTo("webhook_secret_not_set");
        StoreRepository.Created third = server.stores().create("Third shop", false);
        setSecret(third, "shopify", "third-shop-secret-000000");
        assertThat(deliver(third, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET))
                .status()).isEqualTo(401);
        assertThat(events(other, String.valueOf(customer))).isEmpty();
        assertThat(events(third, String.valueOf(customer))).isEmpty();
    }

    @Test
    void anUnknownStoreIs404AndABodyOver1MbIs413() throws Exception {
        byte[] body = shopifyOrder(1, 2, null);
        Response unknown = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/webhooks/st_nope/shopify"))
                .header("X-Shopify-Hmac-Sha256", Signatures.sign(body, SHOPIFY_SECRET))
                .header("X-Shopify-Topic", "orders/create").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).isEqualTo("store_not_found");
        byte[] huge = new byte[WebhookReceiver.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        Response tooLarge = deliver(shop, "shopify", "orders/create", null, huge, Signatures.sign(huge, SHOPIFY_SECRET));
        assertThat(tooLarge.status()).isEqualTo(413);
    }

    @Test
    void aSignedBodyThatIsNotJsonIs400() throws Exception {
        byte[] body = "{\"id\": 1, ".getBytes(StandardCharsets.UTF_8);
        Response r = deliver(shop, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_json");
        byte[] noId = "{\"email\": \"a@example.com\"}".getBytes(StandardCharsets.UTF_8);
        Response missingId = deliver(shop, "shopify", "orders/create", null, noId, Signatures.sign(noId, SHOPIFY_SECRET));
        assertThat(missingId.status()).isEqualTo(400);
        assertThat(missingId.json().get("field").asText()).isEqualTo("id");
    }

    @Test
    void wooCommercesUnsignedPingOnWebhookCreationGets200() throws Exception {
        Response ping = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/webhooks/" + shop.store().id()
                        + "/woocommerce")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("webhook_id=17")));
        assertThat(ping.status()).as(ping.body()).isEqualTo(200);
        // Anything else unsigned is not a ping.
        Response unsigned = deliver(shop, "woocommerce", "order.created", null,
                "{\"id\": 1}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(unsigned.status()).isEqualTo(401);
    }

    @Test
    void otherTopicsAre200AndIgnored() throws Exception {
        byte[] body = "{\"id\": 706405506930370084, \"email\": \"bob@biller.com\"}".getBytes(StandardCharsets.UTF_8);
        Response r = deliver(shop, "shopify", "customers/create", null, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ignored");
        assertThat(server.metrics().scrape()).contains("rebound_webhooks_deliveries_total{outcome=\"ignored\",platform=\"shopify\"}");
    }

    // ---- orders → purchases ------------------------------------------------------------------

    @Test
    void shopifysDocumentedOrderBecomesAServerSidePurchase() throws Exception {
        long orderId = IDS.incrementAndGet();
        long customer = IDS.incrementAndGet();
        Instant created = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        byte[] body = shopifyOrder(orderId, customer, null, created);
        Response r = deliver(shop, "shopify", "orders/create", "d-" + orderId, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("event_id").asText()).isEqualTo("order-" + orderId);

        List<JsonNode> events = purchases(shop, String.valueOf(customer));
        assertThat(events).hasSize(1);
        JsonNode e = events.get(0);
        assertThat(e.get("type").asText()).isEqualTo("Purchase");
        assertThat(e.get("event_id").asText()).isEqualTo("order-" + orderId);
        // The email came in through the identify path too, hashed, linked to the customer id.
        assertThat(events(shop, String.valueOf(customer)).stream().filter(x -> x.get("type").asText().equals("Identify"))
                .map(x -> x.get("event_id").asText())).containsExactly("identify-order-" + orderId);
        assertThat(e.get("source").asText()).isEqualTo("SERVER");
        assertThat(e.get("value").decimalValue()).isEqualByComparingTo("403.00");
        assertThat(e.get("currency").asText()).isEqualTo("USD");
        assertThat(e.get("user_id").asText()).isEqualTo(String.valueOf(customer));
        // The two lines of the same variant are one product of quantity 2, by variant id (the pixel's id).
        assertThat(e.get("products").size()).isEqualTo(1);
        assertThat(e.get("products").get(0).get("id").asText()).isEqualTo("808950810");
        assertThat(e.get("products").get(0).get("quantity").asInt()).isEqualTo(2);
        assertThat(Instant.parse(e.get("event_time").asText())).isEqualTo(created);
        assertThat(e.toString()).doesNotContain("@example.com");
        assertThat(e.toString()).contains(Pii.emailSha256("jon+" + customer + "@example.com"));
    }

    @Test
    void anOrderOlderThanTheEventTimePolicyIsAnsweredAndIgnored() throws Exception {
        // The documented example as it is: created 2021-12-31, beyond the collector's 540 days.
        byte[] body = fixture("shopify-orders-create.json");
        Response r = deliver(shop, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ignored");
    }

    @Test
    void wooCommercesDocumentedOrderBecomesAPurchaseOnceWhenPaid() throws Exception {
        long orderId = IDS.incrementAndGet();
        String anonymous = "woo-visitor-" + orderId;
        byte[] pending = wooOrder(orderId, "pending", anonymous);
        Response created = deliver(shop, "woocommerce", "order.created", "w1-" + orderId, pending,
                Signatures.sign(pending, WOO_SECRET));
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.json().get("status").asText()).isEqualTo("ignored");

        byte[] processing = wooOrder(orderId, "processing", anonymous);
        Response paid = deliver(shop, "woocommerce", "order.updated", "w2-" + orderId, processing,
                Signatures.sign(processing, WOO_SECRET));
        assertThat(paid.status()).as(paid.body()).isEqualTo(200);
        assertThat(paid.json().get("event_id").asText()).isEqualTo("order-" + orderId);
        byte[] completed = wooOrder(orderId, "completed", anonymous);
        assertThat(deliver(shop, "woocommerce", "order.updated", "w3-" + orderId, completed,
                Signatures.sign(completed, WOO_SECRET)).status()).isEqualTo(200);

        List<JsonNode> events = purchases(shop, anonymous);
        assertThat(events).hasSize(1);
        JsonNode e = events.get(0);
        assertThat(e.get("type").asText()).isEqualTo("Purchase");
        assertThat(e.get("anonymous_id").asText()).isEqualTo(anonymous);
        assertThat(e.get("value").decimalValue()).isEqualByComparingTo("29.35");
        // Simple product by product id, variable product by variation id.
        assertThat(e.get("product_ids").toString()).isEqualTo("[\"93\",\"23\"]");
        assertThat(e.get("products").get(0).get("quantity").asInt()).isEqualTo(2);
        assertThat(e.toString()).doesNotContain("john.doe@example.com").doesNotContain("555-5555");
    }

    @Test
    void aRedeliveredOrderIsOnePurchaseInTheVisitorsEventsAndInSegments() throws Exception {
        StoreRepository.Created store = server.stores().create("Redelivery shop", false);
        setSecret(store, "shopify", SHOPIFY_SECRET);
        String pastPurchasers = createSegment(store, "{\"template\": \"past_purchasers\", \"within_days\": 30}");
        String twice = createSegment(store, "{\"name\": \"bought twice\", \"include\": [{\"event\": \"Purchase\","
                + " \"within_days\": 30, \"min_count\": 2}]}");
        long orderId = IDS.incrementAndGet();
        long customer = IDS.incrementAndGet();
        byte[] body = shopifyOrder(orderId, customer, null);
        String signature = Signatures.sign(body, SHOPIFY_SECRET);
        assertThat(deliver(store, "shopify", "orders/create", "same-delivery", body, signature).status()).isEqualTo(200);
        Response again = deliver(store, "shopify", "orders/create", "same-delivery", body, signature);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("duplicate");
        // A new delivery of the same order (Shopify retrying with a new id, another node): still one event.
        assertThat(deliver(store, "shopify", "orders/create", "other-delivery", body, signature).status()).isEqualTo(200);

        assertThat(purchases(store, String.valueOf(customer))).hasSize(1);
        // Another customer's order after them: once it counts, the audience runtime has seen every copy.
        byte[] later = shopifyOrder(IDS.incrementAndGet(), IDS.incrementAndGet(), null);
        assertThat(deliver(store, "shopify", "orders/create", null, later, Signatures.sign(later, SHOPIFY_SECRET))
                .status()).isEqualTo(200);
        await(() -> members(store, pastPurchasers).size() == 2);
        assertThat(members(store, pastPurchasers).stream().map(m -> m.get("user_id").asText()))
                .contains(String.valueOf(customer));
        assertThat(members(store, twice)).isEmpty();
    }

    @Test
    void thePixelsPurchaseAndTheWebhooksOrderAreOneEventForTheBrowsingVisitor() throws Exception {
        long orderId = IDS.incrementAndGet();
        String visitor = "browser-" + orderId;
        String pixel = "{\"writeKey\": \"" + shop.store().writeKey() + "\", \"batch\": [{\"type\": \"track\","
                + " \"event\": \"Purchase\", \"messageId\": \"order-" + orderId + "\", \"anonymousId\": \"" + visitor + "\","
                + " \"properties\": {\"content_ids\": [\"808950810\"], \"value\": 403, \"currency\": \"USD\","
                + " \"order_id\": \"" + orderId + "\"}}]}";
        Response collected = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect"))
                .header("Content-Type", "text/plain").header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) "
                        + "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36")
                .POST(HttpRequest.BodyPublishers.ofString(pixel)));
        assertThat(collected.status()).as(collected.body()).isEqualTo(200);

        byte[] body = shopifyOrder(orderId, IDS.incrementAndGet(), visitor);
        Response r = deliver(shop, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> purchases = purchases(shop, visitor);
        assertThat(purchases).hasSize(1);
        assertThat(purchases.get(0).get("source").asText()).isEqualTo("PIXEL");
    }

    @Test
    void theCartAttributeCarriesTheBrowsingVisitorOntoTheOrder() throws Exception {
        long orderId = IDS.incrementAndGet();
        String visitor = "cart-attr-" + orderId;
        byte[] body = shopifyOrder(orderId, IDS.incrementAndGet(), visitor);
        assertThat(deliver(shop, "shopify", "orders/create", null, body, Signatures.sign(body, SHOPIFY_SECRET)).status())
                .isEqualTo(200);
        List<JsonNode> events = purchases(shop, visitor);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("anonymous_id").asText()).isEqualTo(visitor);
    }

    // ---- helpers -----------------------------------------------------------------------------

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = WebhookApiTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /** Shopify's documented orders/create example with this test's ids and a recent creation time. */
    static byte[] shopifyOrder(long orderId, long customerId, String anonymousId) throws IOException {
        return shopifyOrder(orderId, customerId, anonymousId, Instant.now().minus(1, ChronoUnit.HOURS));
    }

    static byte[] shopifyOrder(long orderId, long customerId, String anonymousId, Instant created) throws IOException {
        ObjectNode o = (ObjectNode) Json.MAPPER.readTree(fixture("shopify-orders-create.json"));
        // One shopper per customer id: the same email on every order would make them one person.
        o.put("id", orderId).put("created_at", created.toString()).put("email", "jon+" + customerId + "@example.com")
                .put("contact_email", "jon+" + customerId + "@example.com");
        ((ObjectNode) o.get("customer")).put("id", customerId);
        if (anonymousId != null) {
            o.putArray("note_attributes").addObject().put("name", "_rb_aid").put("value", anonymousId);
        }
        return Json.MAPPER.writeValueAsBytes(o);
    }

    /** WooCommerce's documented order example with this test's id, status and anonymous id. */
    static byte[] wooOrder(long orderId, String status, String anonymousId) throws IOException {
        ObjectNode o = (ObjectNode) Json.MAPPER.readTree(fixture("woocommerce-order.json"));
        o.put("id", orderId).put("number", String.valueOf(orderId)).put("status", status)
                .put("date_created_gmt", Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS)
                        .toString().replace("Z", ""));
        o.putArray("meta_data").addObject().put("id", 1).put("key", "_rb_aid").put("value", anonymousId);
        return Json.MAPPER.writeValueAsBytes(o);
    }

    static Response deliver(StoreRepository.Created store, String platform, String topic, String deliveryId,
                            byte[] body, String signature) throws Exception {
        boolean shopify = platform.equals("shopify");
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/webhooks/" + store.store().id()
                        + "/" + platform)).header("Content-Type", "application/json")
                .header(shopify ? "X-Shopify-Topic" : "X-WC-Webhook-Topic", topic)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            r.header(shopify ? "X-Shopify-Hmac-Sha256" : "X-WC-Webhook-Signature", signature);
        }
        if (deliveryId != null) {
            r.header(shopify ? "X-Shopify-Webhook-Id" : "X-WC-Webhook-Delivery-ID", deliveryId);
        }
        if (shopify) {
            r.header("X-Shopify-Shop-Domain", "yoga-shop.myshopify.com");
        }
        return send(r);
    }

    static Response setSecret(StoreRepository.Created store, String platform, String secret) throws Exception {
        return api("PUT", store, "/webhooks/" + platform, Json.MAPPER.writeValueAsString(Map.of("secret", secret)));
    }

    static Response api(String method, StoreRepository.Created store, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/stores/" + store.store().id() + path))
                .header("Authorization", "Bearer " + store.secretKey())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    static Response send(HttpRequest.Builder r) throws Exception {
        HttpResponse<String> resp = HTTP.send(r.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json") && !resp.body().isEmpty()) {
            json = Json.MAPPER.readTree(resp.body());
        }
        return new Response(resp.statusCode(), json, resp.body());
    }

    static List<JsonNode> events(StoreRepository.Created store, String visitor) throws Exception {
        Response r = api("GET", store, "/visitors/" + visitor + "/events", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("events").forEach(out::add);
        return out;
    }

    /** The visitor's Purchase events, once every stored delivery is processed. */
    static List<JsonNode> purchases(StoreRepository.Created store, String visitor) throws Exception {
        awaitProcessed();
        await(() -> !events(store, visitor, "Purchase").isEmpty());
        return events(store, visitor, "Purchase");
    }

    static List<JsonNode> events(StoreRepository.Created store, String visitor, String type) throws Exception {
        return events(store, visitor).stream().filter(e -> e.get("type").asText().equals(type)).toList();
    }

    /** Waits until the worker has processed every stored delivery. */
    static void awaitProcessed() throws Exception {
        await(() -> pendingDeliveries() == 0);
    }

    static long pendingDeliveries() throws Exception {
        try (Connection c = server.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM webhook_deliveries WHERE processed_at IS NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String createSegment(StoreRepository.Created store, String body) throws Exception {
        Response r = api("POST", store, "/segments", body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    static List<JsonNode> members(StoreRepository.Created store, String segment) throws Exception {
        Response r = api("GET", store, "/segments/" + segment + "/members", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("members").forEach(out::add);
        return out;
    }

    static void await(BooleanSupplierWithException condition) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(25);
        }
        assertThat(condition.getAsBoolean()).as("condition within 5 s").isTrue();
    }

    @FunctionalInterface
    interface BooleanSupplierWithException {
        boolean getAsBoolean() throws Exception;
    }
}
