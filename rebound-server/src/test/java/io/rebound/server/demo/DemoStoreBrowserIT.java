package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import io.rebound.server.DemoKeys;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole demo in real Chromium: the real server (collector, event log, admin API) with the
 * demo shop, a shopper who browses, adds the yoga mat to the cart, looks at another product and
 * checks out; then the visitor's events are read back through the admin API.
 */
class DemoStoreBrowserIT {

    @TempDir
    static Path dataDir;

    private static ReboundServer server;
    private static DemoKeys keys;
    private static Playwright playwright;
    private static Browser browser;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.demo(dataDir, 0));
        keys = server.demoStore();
        playwright = Browsers.playwright();
        browser = Browsers.chromium(playwright);
    }

    @AfterAll
    static void stop() {
        if (playwright != null) {
            playwright.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aShopperJourneyArrivesWithTheRightProductsAndOneAnonymousId() throws Exception {
        String base = server.baseUrl();
        String anonymousId;
        String orderId;
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(base + "/shop/");
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("01-home.png")).setFullPage(true));

            page.getByTestId("product-card-yoga-mat").getByRole(AriaRole.LINK).click();
            assertThat(page.getByTestId("product-name").textContent()).isEqualTo("Everyday Yoga Mat");
            page.getByTestId("add-to-cart").click();
            assertThat(page.getByTestId("cart-count").textContent()).isEqualTo("1");
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("02-product.png")));

            page.getByTestId("product-card-yoga-block").getByRole(AriaRole.LINK).click();
            assertThat(page.getByTestId("product-name").textContent()).isEqualTo("Foam Yoga Block");

            page.getByTestId("cart-link").click();
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("03-cart.png")));
            page.getByTestId("checkout-link").click();
            page.getByTestId("email").fill("Jane.Doe@Example.com");
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("04-checkout.png")));
            page.getByTestId("place-order").click();
            page.waitForURL("**/shop/orders/**");
            orderId = page.getByTestId("order-id").textContent();
            assertThat(page.getByTestId("order-total").textContent()).isEqualTo("$68.00");
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("05-confirmation.png")));
            anonymousId = context.cookies().stream().filter(c -> c.name.equals("_rb_aid")).map(c -> c.value)
                    .findFirst().orElseThrow();
        }

        AtomicReference<List<JsonNode>> events = new AtomicReference<>(List.of());
        boolean complete = Browsers.await(Duration.ofSeconds(10), () -> {
            events.set(visitorEvents(base, anonymousId));
            return names(events.get()).contains("Purchase");
        });
        assertThat(complete).as("events arrived: %s", names(events.get())).isTrue();

        List<JsonNode> all = events.get();
        assertThat(all).allSatisfy(e -> assertThat(e.path("anonymous_id").asText()).isEqualTo(anonymousId));
        assertThat(names(all)).contains("PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Identify", "Purchase");
        assertThat(all).filteredOn(e -> e.path("type").asText().equals("ViewContent"))
                .extracting(e -> ids(e)).containsExactly(List.of("yoga-mat"), List.of("yoga-block"));
        assertThat(all).filteredOn(e -> e.path("type").asText().equals("AddToCart")).singleElement()
                .satisfies(e -> assertThat(ids(e)).containsExactly("yoga-mat"));
        assertThat(all).filteredOn(e -> e.path("type").asText().equals("InitiateCheckout")).singleElement()
                .satisfies(e -> assertThat(ids(e)).containsExactly("yoga-mat"));
        JsonNode purchase = all.stream().filter(e -> e.path("type").asText().equals("Purchase")).findFirst().orElseThrow();
        assertThat(ids(purchase)).containsExactly("yoga-mat");
        assertThat(purchase.path("value").decimalValue()).isEqualByComparingTo("68");
        assertThat(purchase.toString()).contains(orderId);
        // Event-time order follows the journey: view, add to cart, checkout, purchase. (The confirmation
        // page's automatic PageView may be stamped just after the Purchase, which was queued first.)
        List<String> types = names(all);
        assertThat(types.indexOf("ViewContent")).isLessThan(types.indexOf("AddToCart"));
        assertThat(types.indexOf("AddToCart")).isLessThan(types.indexOf("InitiateCheckout"));
        assertThat(types.indexOf("InitiateCheckout")).isLessThan(types.indexOf("Purchase"));
        assertThat(all.toString()).doesNotContainIgnoringCase("jane.doe@example.com");
    }

    @Test
    void theAdPlatformsIdsAreStoredWithEveryEventOfTheVisitAndShownByTheVisitorEventsApi() {
        String base = server.baseUrl();
        String anonymousId;
        try (BrowserContext context = browser.newContext()) {
            context.addCookies(PixelBrowserIT.platformCookies(base));
            Page page = context.newPage();
            page.navigate(base + "/shop/?fbclid=abc&gclid=xyz&ttclid=t1&epik=e1");
            page.getByTestId("product-card-yoga-mat").getByRole(AriaRole.LINK).click();
            page.getByTestId("add-to-cart").click();
            assertThat(page.getByTestId("cart-count").textContent()).isEqualTo("1");
            anonymousId = context.cookies().stream().filter(c -> c.name.equals("_rb_aid")).map(c -> c.value)
                    .findFirst().orElseThrow();
        }
        AtomicReference<List<JsonNode>> events = new AtomicReference<>(List.of());
        assertThat(Browsers.await(Duration.ofSeconds(10), () -> {
            events.set(visitorEvents(base, anonymousId));
            return names(events.get()).containsAll(List.of("PageView", "ViewContent", "AddToCart"));
        })).as("events arrived: %s", names(events.get())).isTrue();
        assertThat(events.get()).allSatisfy(e -> {
            JsonNode ids = e.path("click_ids");
            assertThat(ids.path("fbp").asText()).isEqualTo("fb.1.1700000000000.1116446470");
            assertThat(ids.path("fbc").asText()).startsWith("fb.1.").endsWith(".abc");
            assertThat(ids.path("ga_client_id").asText()).isEqualTo("123456789.1700000000");
            assertThat(ids.path("ttp").asText()).isEqualTo("2Jp3xXnjgqiEV0ZVMhhOJQuGizu");
            assertThat(ids.path("ttclid").asText()).isEqualTo("t1");
            assertThat(ids.path("epik").asText()).isEqualTo("e1");
            assertThat(ids.path("gclid").asText()).isEqualTo("xyz");
            assertThat(ids.path("fbclid").asText()).isEqualTo("abc");
        });
    }

    private static List<String> names(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static List<String> ids(JsonNode event) {
        List<String> ids = new ArrayList<>();
        event.path("product_ids").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    private static List<JsonNode> visitorEvents(String base, String anonymousId) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
                            base + "/api/v1/stores/" + keys.storeId() + "/visitors/" + anonymousId + "/events"))
                    .header("Authorization", "Bearer " + keys.secretKey()).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return List.of();
            }
            List<JsonNode> out = new ArrayList<>();
            Json.MAPPER.readTree(r.body()).path("events").forEach(out::add);
            return out;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
