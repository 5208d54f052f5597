package io.rebound.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.sun.net.httpserver.HttpServer;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.collect.Pii;
import io.rebound.server.integrations.WooCommercePluginTest;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Shopify custom pixel (integrations/shopify/rebound-custom-pixel.js) in real Chromium, against
 * the real collector: a page plays Shopify's sandbox (a stub {@code analytics.subscribe},
 * {@code init.customerPrivacy}) and emits the Web Pixels standard events with Shopify's documented
 * payloads; the events that reach Rebound are read back from the visitor API. Then the store's
 * webhooks deliver the same checkout and order: the pixel's and the webhooks' copies are one
 * InitiateCheckout and one Purchase.
 */
class ShopifyPixelBrowserIT {
    private static final String SECRET = "shpss_pixel_it_0123456789abcdef";
    private static final String CLIENT_ID = "a1b2c3d4-shopify-client-0001";

    @TempDir
    static Path dir;
    private static ReboundServer server;
    private static WebhookClient client;
    private static StoreRepository.Created shop;
    private static HttpServer storefront;
    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0));
        client = new WebhookClient(server);
        shop = server.stores().create("Shopify store", false);
        assertThat(client.api("PUT", shop, "/webhooks/shopify", "{\"secret\": \"" + SECRET + "\"}").status())
                .isEqualTo(200);
        String pixel = Files.readString(WooCommercePluginTest.repositoryRoot()
                        .resolve("integrations/shopify/rebound-custom-pixel.js"))
                .replace("'https://rebound.example.com'", "'" + server.baseUrl() + "'")
                .replace("'WRITE_KEY'", "'" + shop.store().writeKey() + "'");
        String events = new String(WebhookApiTest.fixture("shopify-web-pixels-events.json"), StandardCharsets.UTF_8);
        byte[] page = page(pixel, events).getBytes(StandardCharsets.UTF_8);
        storefront = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        storefront.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        storefront.start();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Path.of("/usr/bin/chromium")).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                        "--disable-dev-shm-usage", "--no-first-run")));
    }

    @AfterAll
    static void stop() {
        if (playwright != null) {
            playwright.close();
        }
        if (storefront != null) {
            storefront.stop(0);
        }
        server.close();
    }

    /** Shopify's sandbox as far as the pixel sees it, the pixel, and emit(name) to fire a standard event. */
    private static String page(String pixel, String events) {
        return "<!doctype html><html><head><title>Example T-Shirt</title></head><body><h1>Example T-Shirt</h1>\n"
                + "<script>\n"
                + "const EVENTS = " + events + ";\n"
                + "const handlers = {};\n"
                + "var analytics = {subscribe: (name, fn) => { (handlers[name] = handlers[name] || []).push(fn); }};\n"
                + "var init = {customerPrivacy: {analyticsProcessingAllowed: true, marketingAllowed: true,"
                + " preferencesProcessingAllowed: true, saleOfDataAllowed: true}};\n"
                + "var customerPrivacy = {subscribe: () => {}};\n"
                + "let seq = 0;\n"
                + "function emit(name, data, clientId) {\n"
                + "  const event = {id: 'sh-' + (++seq) + '-' + Math.random().toString(16).slice(2), name: name,"
                + " clientId: clientId || '" + CLIENT_ID + "', timestamp: new Date().toISOString(), type: 'standard',"
                + " context: {document: {location: {href: location.href + '?utm_source=facebook&fbclid=FB.7',"
                + " pathname: location.pathname, search: '?utm_source=facebook&fbclid=FB.7'}, title: document.title,"
                + " referrer: ''}}, data: data};\n"
                + "  return Promise.all((handlers[name] || []).map((fn) => fn(event)));\n"
                + "}\n"
                + "</script>\n<script>\n" + pixel + "\n</script></body></html>";
    }

    @Test
    void shopifysStandardEventsReachTheCollectorAsReboundsAndDedupWithTheWebhooks() throws Exception {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setUserAgent(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"))) {
            Page page = context.newPage();
            page.navigate("http://127.0.0.1:" + storefront.getAddress().getPort() + "/products/example-t-shirt");
            page.evaluate("() => emit('page_viewed', {})");
            page.evaluate("() => emit('product_viewed', EVENTS.product_viewed)");
            page.evaluate("() => emit('product_added_to_cart', EVENTS.product_added_to_cart)");
            page.evaluate("() => emit('checkout_started', {checkout: EVENTS.checkout})");
            page.evaluate("() => emit('checkout_completed', {checkout: EVENTS.checkout})");

            JsonNode view = client.events(shop, CLIENT_ID, "ViewContent").get(0);
            assertThat(view.get("product_ids").toString()).isEqualTo("[\"642667041472713922\"]");
            assertThat(view.get("value").decimalValue()).isEqualByComparingTo("19.99");
            assertThat(view.get("currency").asText()).isEqualTo("USD");
            JsonNode add = client.events(shop, CLIENT_ID, "AddToCart").get(0);
            assertThat(add.get("product_ids").toString()).isEqualTo("[\"642667041472713922\"]");
            assertThat(add.get("products").get(0).get("quantity").asInt()).isEqualTo(2);
            JsonNode checkout = client.events(shop, CLIENT_ID, "InitiateCheckout").get(0);
            assertThat(checkout.get("event_id").asText()).isEqualTo("checkout-b1946ac92492d2347c6235b4d2611184");
            assertThat(checkout.get("product_ids").toString()).isEqualTo("[\"642667041472713922\",\"757650484644203962\"]");
            JsonNode purchase = client.events(shop, CLIENT_ID, "Purchase").get(0);
            assertThat(purchase.get("event_id").asText()).isEqualTo("order-820982911946154508");
            assertThat(purchase.get("source").asText()).isEqualTo("PIXEL");
            assertThat(purchase.get("value").decimalValue()).isEqualByComparingTo("59.97");
            assertThat(client.events(shop, CLIENT_ID, "Identify").get(0).toString())
                    .contains(Pii.emailSha256("bob.norman@example.com")).doesNotContainIgnoringCase("bob.norman@");
            assertThat(client.events(shop, CLIENT_ID, "PageView")).hasSize(1);
        }

        // The store's webhooks for the same checkout and order, carrying the client id as _rb_aid.
        ObjectNode checkout = WebhookTopicsTest.checkout("b1946ac92492d2347c6235b4d2611184", CLIENT_ID, null);
        assertThat(client.deliver(shop, "shopify", "checkouts/create", "pixel-it-c", Json.MAPPER.writeValueAsBytes(checkout),
                SECRET).status()).isEqualTo(200);
        byte[] order = WebhookApiTest.shopifyOrder(820982911946154508L, 115310627314723954L, CLIENT_ID);
        assertThat(client.deliver(shop, "shopify", "orders/create", "pixel-it-o", order, SECRET).status()).isEqualTo(200);
        client.awaitProcessed();
        assertThat(client.events(shop, CLIENT_ID, "CheckoutRecovery")).hasSize(1);
        assertThat(client.read(shop, CLIENT_ID, "InitiateCheckout")).singleElement()
                .satisfies(e -> assertThat(e.get("source").asText()).isEqualTo("PIXEL"));
        assertThat(client.read(shop, CLIENT_ID, "Purchase")).singleElement()
                .satisfies(e -> assertThat(e.get("source").asText()).isEqualTo("PIXEL"));
    }

    /** A Gmail address goes out as two digests, the second of Google's form (decision 0022), never in the clear. */
    @Test
    void aGmailCheckoutIsHashedInGooglesFormToo() throws Exception {
        String clientId = "a1b2c3d4-shopify-client-gmail";
        List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.onRequest(r -> {
                if (r.url().endsWith("/v1/collect")) {
                    sent.add(r.postData());
                }
            });
            page.navigate("http://127.0.0.1:" + storefront.getAddress().getPort() + "/products/example-t-shirt");
            page.evaluate("id => emit('checkout_completed', {checkout: Object.assign({}, EVENTS.checkout,"
                    + " {email: ' Bob.Norman+shop@GMail.com ', token: 'gmail-checkout', order: {id: '991'}})}, id)", clientId);
            assertThat(client.events(shop, clientId, "Identify").get(0).get("email_sha256").asText())
                    .isEqualTo(Pii.sha256Hex("bob.norman+shop@gmail.com"));
        }
        JsonNode identify = Json.MAPPER.readTree(sent.stream().filter(b -> b.contains("\"identify\"")).findFirst()
                .orElseThrow()).get("batch").get(0);
        assertThat(identify.get("traits").get("email_sha256").asText()).isEqualTo(Pii.sha256Hex("bob.norman+shop@gmail.com"));
        assertThat(identify.get("traits").get("email_google_sha256").asText()).isEqualTo(Pii.sha256Hex("bobnorman@gmail.com"));
        assertThat(String.join("", sent)).doesNotContainIgnoringCase("bob.norman@").doesNotContainIgnoringCase("norman+shop");
    }
}
