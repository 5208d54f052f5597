package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.Cookie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pixel in real Chromium against a recording collector: wire shape, stable anonymous id,
 * campaign capture, hashed identify, and the consent / Global Privacy Control rules of docs/pixel.md.
 */
class PixelBrowserIT {

    private static ShopTestServer server;
    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = new ShopTestServer();
        playwright = Browsers.playwright();
        browser = Browsers.chromium(playwright);
    }

    @AfterAll
    static void stop() {
        if (playwright != null) {
            playwright.close();
        }
        server.close();
    }

    @BeforeEach
    void reset() {
        server.collected.clear();
        server.consentRequired = false;
    }

    private List<JsonNode> named(String event) {
        return server.messages().stream().filter(m -> event.equals(name(m))).toList();
    }

    private static String name(JsonNode m) {
        return m.path("type").asText().equals("identify") ? "Identify" : m.path("event").asText();
    }

    private static Optional<String> anonymousCookie(BrowserContext context) {
        return context.cookies().stream().filter(c -> c.name.equals("_rb_aid")).map(c -> c.value).findFirst();
    }

    @Test
    void aShopperJourneyArrivesAsTextPlainBatchesWithOneAnonymousIdAndTheLandingCampaign() {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/?utm_source=facebook&utm_medium=paid_social&utm_campaign=spring&fbclid=FB.123");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("PageView").isEmpty())).isTrue();
            page.getByTestId("product-card-yoga-mat").getByRole(com.microsoft.playwright.options.AriaRole.LINK).click();
            page.getByTestId("add-to-cart").click();
            assertThat(page.getByTestId("cart-status").textContent()).contains("added");
            page.navigate(server.baseUrl() + "/shop/products/yoga-block");
            page.getByTestId("add-to-cart").click();
            page.getByTestId("cart-link").click();
            page.getByTestId("checkout-link").click();
            page.getByTestId("email").fill("  Jane.Doe@Example.com ");
            page.getByTestId("place-order").click();
            page.waitForURL("**/shop/orders/**");
            String orderId = page.getByTestId("order-id").textContent();
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("Purchase").isEmpty())).isTrue();

            String aid = anonymousCookie(context).orElseThrow();
            assertThat(server.collected).allSatisfy(c -> {
                assertThat(c.contentType()).startsWith("text/plain");
                assertThat(c.body().path("writeKey").asText()).isEqualTo(ShopTestServer.WRITE_KEY);
                assertThat(c.body().toString()).doesNotContainIgnoringCase("jane.doe@example.com");
            });
            assertThat(server.messages()).allSatisfy(m -> {
                assertThat(m.path("anonymousId").asText()).isEqualTo(aid);
                assertThat(m.path("messageId").asText()).isNotBlank();
                assertThat(m.path("context").path("library").path("name").asText()).isEqualTo("rebound-pixel");
                assertThat(m.path("context").path("campaign").path("source").asText()).isEqualTo("facebook");
                assertThat(m.path("context").path("clickIds").path("fbclid").asText()).isEqualTo("FB.123");
                assertThat(m.path("context").path("gpc").asBoolean(true)).isFalse();
            });
            assertThat(named("ViewContent")).extracting(m -> m.path("properties").path("content_ids").get(0).asText())
                    .containsExactly("yoga-mat", "yoga-block");
            assertThat(named("AddToCart")).extracting(m -> m.path("properties").path("content_ids").get(0).asText())
                    .containsExactly("yoga-mat", "yoga-block");
            assertThat(named("InitiateCheckout")).singleElement()
                    .satisfies(m -> assertThat(m.path("properties").path("value").asDouble()).isEqualTo(86.0));
            assertThat(named("Identify")).singleElement().satisfies(m -> assertThat(m.path("traits").path("email_sha256").asText())
                    .isEqualTo(JourneyGenerator.sha256("jane.doe@example.com")));
            JsonNode purchase = named("Purchase").get(0);
            assertThat(purchase.path("messageId").asText()).isEqualTo(orderId);
            assertThat(purchase.path("properties").path("value").asDouble()).isEqualTo(86.0);
            assertThat(purchase.path("properties").path("contents")).hasSize(2);
            page.screenshot(new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve("pixel-order-confirmation.png")));
        }
    }

    @Test
    void whenConsentIsRequiredNothingIsSentOrStoredUntilGrantedThenHeldEventsAreFlushed() {
        server.consentRequired = true;
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/products/yoga-mat?gclid=G.1");
            page.waitForTimeout(1500);
            assertThat(server.collected).isEmpty();
            assertThat(anonymousCookie(context)).isEmpty();

            page.evaluate("() => rebound('consent', {ad_storage: 'granted', ad_user_data: 'granted',"
                    + " ad_personalization: 'granted', analytics_storage: 'granted'})");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("ViewContent").isEmpty())).isTrue();
            String aid = anonymousCookie(context).orElseThrow();
            assertThat(named("PageView")).hasSize(1);
            assertThat(server.messages()).allSatisfy(m -> {
                assertThat(m.path("anonymousId").asText()).isEqualTo(aid);
                assertThat(m.path("context").path("consent").path("ad_storage").asText()).isEqualTo("granted");
                assertThat(m.path("context").path("clickIds").path("gclid").asText()).isEqualTo("G.1");
            });
        }
    }

    @Test
    void whenConsentIsRequiredAndDeniedNothingIsEverSent() {
        server.consentRequired = true;
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/products/yoga-mat");
            page.evaluate("() => { rebound('consent', {ad_storage: 'denied'}); rebound('identify', {email: 'x@y.co'}); }");
            page.getByTestId("add-to-cart").click();
            page.navigate(server.baseUrl() + "/shop/");
            page.waitForTimeout(1000);
            assertThat(server.collected).isEmpty();
            assertThat(anonymousCookie(context)).isEmpty();
        }
    }

    @Test
    void withGlobalPrivacyControlEventsCarryOnlyTheFirstPartyIdAndTheGpcFlag() {
        try (BrowserContext context = browser.newContext()) {
            context.addInitScript("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})");
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/products/yoga-mat?gclid=G.2&utm_source=google");
            page.evaluate("() => rebound('identify', {email: 'gpc@example.com', user_id: 'cust_9'})");
            page.getByTestId("add-to-cart").click();
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("AddToCart").isEmpty())).isTrue();
            page.waitForTimeout(300);
            String aid = anonymousCookie(context).orElseThrow();
            assertThat(named("Identify")).isEmpty();
            assertThat(server.messages()).isNotEmpty().allSatisfy(m -> {
                assertThat(m.path("anonymousId").asText()).isEqualTo(aid);
                assertThat(m.has("userId")).isFalse();
                assertThat(m.has("traits")).isFalse();
                assertThat(m.path("context").path("gpc").asBoolean()).isTrue();
                assertThat(m.path("context").path("clickIds").size()).isZero();
                assertThat(m.path("context").path("page").path("url").asText()).doesNotContain("gclid").contains("utm_source=google");
                assertThat(m.path("context").path("campaign").path("source").asText()).isEqualTo("google");
            });
        }
    }

    /** The ad platforms' cookies, as their own tags would have set them on the shop's domain. */
    static List<Cookie> platformCookies(String url) {
        return List.of(new Cookie("_fbp", "fb.1.1700000000000.1116446470").setUrl(url),
                new Cookie("_ga", "GA1.1.123456789.1700000000").setUrl(url),
                new Cookie("_ttp", "2Jp3xXnjgqiEV0ZVMhhOJQuGizu").setUrl(url));
    }

    @Test
    void everyEventCarriesThePlatformsIdsAndTheLandingsClickIdsAreKeptFirstPartyForNinetyDays() {
        try (BrowserContext context = browser.newContext()) {
            context.addCookies(platformCookies(server.baseUrl()));
            Page page = context.newPage();
            long before = System.currentTimeMillis();
            page.navigate(server.baseUrl() + "/shop/?fbclid=abc&gclid=xyz&ttclid=t1&epik=e1&gbraid=gb1");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("PageView").isEmpty())).isTrue();
            // A later page of the visit, without the parameters, in a new tab (no session storage).
            Page later = context.newPage();
            later.navigate(server.baseUrl() + "/shop/products/yoga-mat");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("ViewContent").isEmpty())).isTrue();

            Cookie fbc = context.cookies().stream().filter(c -> c.name.equals("_fbc")).findFirst().orElseThrow();
            assertThat(fbc.value).startsWith("fb.1.").endsWith(".abc");
            long landedAt = Long.parseLong(fbc.value.split("\\.")[2]);
            assertThat(landedAt).isBetween(before, System.currentTimeMillis());
            assertThat(fbc.expires).isCloseTo(System.currentTimeMillis() / 1000.0 + 90 * 86400, org.assertj.core.data.Offset.offset(120.0));
            assertThat(context.cookies()).anySatisfy(c -> {
                assertThat(c.name).isEqualTo("_rb_ck");
                assertThat(c.expires).isCloseTo(System.currentTimeMillis() / 1000.0 + 90 * 86400, org.assertj.core.data.Offset.offset(120.0));
            });
            assertThat(server.messages()).hasSizeGreaterThanOrEqualTo(3).allSatisfy(m -> {
                JsonNode ids = m.path("context").path("clickIds");
                assertThat(ids.path("fbp").asText()).isEqualTo("fb.1.1700000000000.1116446470");
                assertThat(ids.path("fbc").asText()).isEqualTo(fbc.value);
                assertThat(ids.path("fbclid").asText()).isEqualTo("abc");
                assertThat(ids.path("ga_client_id").asText()).isEqualTo("123456789.1700000000");
                assertThat(ids.path("ttp").asText()).isEqualTo("2Jp3xXnjgqiEV0ZVMhhOJQuGizu");
                assertThat(ids.path("ttclid").asText()).isEqualTo("t1");
                assertThat(ids.path("epik").asText()).isEqualTo("e1");
                assertThat(ids.path("gclid").asText()).isEqualTo("xyz");
                assertThat(ids.path("gbraid").asText()).isEqualTo("gb1");
            });
        }
    }

    @Test
    void anExistingFbcCookieIsKeptAndAMalformedCookieIsNotSent() {
        try (BrowserContext context = browser.newContext()) {
            context.addCookies(List.of(new Cookie("_fbc", "fb.1.1600000000000.old").setUrl(server.baseUrl()),
                    new Cookie("_fbp", "not-meta-format").setUrl(server.baseUrl()),
                    new Cookie("_ga", "GA1.1.amp-xyz").setUrl(server.baseUrl())));
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("PageView").isEmpty())).isTrue();
            JsonNode ids = named("PageView").get(0).path("context").path("clickIds");
            assertThat(ids.path("fbc").asText()).isEqualTo("fb.1.1600000000000.old");
            assertThat(ids.has("fbp")).isFalse();
            assertThat(ids.has("ga_client_id")).isFalse();
        }
    }

    @Test
    void withoutAdvertisingConsentNoIdIsReadSentOrStored() {
        try (BrowserContext context = browser.newContext()) {
            context.addCookies(platformCookies(server.baseUrl()));
            server.consentRequired = true;
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/?fbclid=abc&gclid=xyz");
            page.evaluate("() => rebound('consent', {ad_storage: 'granted', ad_user_data: 'granted',"
                    + " ad_personalization: 'denied'})");
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("PageView").isEmpty())).isTrue();
            page.waitForTimeout(300);
            assertThat(server.messages()).allSatisfy(m -> {
                assertThat(m.path("context").path("clickIds").size()).isZero();
                assertThat(m.path("context").path("page").path("url").asText()).doesNotContain("fbclid").doesNotContain("gclid");
            });
            assertThat(context.cookies()).noneSatisfy(c -> assertThat(c.name).isIn("_fbc", "_rb_ck"));
        }
    }

    @Test
    void theFallbackSha256MatchesTheStandard() {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/");
            assertThat(page.evaluate("() => rebound.h('abc')"))
                    .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assertThat(page.evaluate("() => rebound.h('jane.doe@example.com')"))
                    .isEqualTo(JourneyGenerator.sha256("jane.doe@example.com"));
        }
    }

    /**
     * Google's form of a Gmail address (decision 0022), hashed in the browser beside the address as
     * written — with SubtleCrypto; with the fallback where SubtleCrypto is missing (plain http); and
     * synchronously when the page hides before SubtleCrypto answers — and only where it differs.
     * Expected digests are {@code MessageDigest} over the literals.
     */
    @Test
    void aGmailAddressIsHashedTwiceInTheBrowserOnlyWhereGooglesFormDiffers() {
        Map<String, String> paths = Map.of("subtle", "",
                "fallback", "Object.defineProperty(Crypto.prototype, 'subtle', {get: () => undefined})",
                "page hidden first", "SubtleCrypto.prototype.digest = () => new Promise(() => {})");
        paths.forEach((path, init) -> {
            server.collected.clear();
            try (BrowserContext context = browser.newContext()) {
                if (!init.isEmpty()) {
                    context.addInitScript(init);
                }
                Page page = context.newPage();
                page.navigate(server.baseUrl() + "/shop/");
                assertThat(page.evaluate("() => !!(window.crypto && crypto.subtle)")).isEqualTo(!path.equals("fallback"));
                for (String email : List.of(" John.Doe+x@Gmail.com ", "mary.major@googlemail.com", "johndoe@gmail.com",
                        "Jane.Doe+x@Example.com", "+x@gmail.com")) {
                    page.evaluate("e => rebound('identify', {email: e})", email);
                }
                if (path.equals("page hidden first")) {
                    page.waitForTimeout(300);
                    assertThat(named("Identify")).as("held while SubtleCrypto works").isEmpty();
                    page.navigate(server.baseUrl() + "/shop/cart");
                }
                assertThat(Browsers.await(Duration.ofSeconds(5), () -> named("Identify").size() == 5)).as(path).isTrue();
                assertThat(server.collected).allSatisfy(c -> assertThat(c.body().toString())
                        .doesNotContainIgnoringCase("john.doe").doesNotContain("johndoe@").doesNotContain("mary.major"));
                assertThat(named("Identify")).extracting(m -> m.path("traits").path("email_sha256").asText() + " "
                        + m.path("traits").path("email_google_sha256").asText("-")).as(path)
                        // Each identify waits for its own digests: they may reach the collector in another order.
                        .containsExactlyInAnyOrder(
                        digest("john.doe+x@gmail.com") + " " + digest("johndoe@gmail.com"),
                        digest("mary.major@googlemail.com") + " " + digest("marymajor@googlemail.com"),
                        digest("johndoe@gmail.com") + " -",
                        digest("jane.doe+x@example.com") + " -",
                        // Google's rule leaves nothing of this one: no Google form to send.
                        digest("+x@gmail.com") + " -");
            }
        });
    }

    private static String digest(String literal) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(literal.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void cartRemovalFiresRemoveFromCart() {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(server.baseUrl() + "/shop/products/carry-strap");
            page.getByTestId("add-to-cart").click();
            page.navigate(server.baseUrl() + "/shop/cart");
            assertThat(page.getByTestId("cart-total").textContent()).isEqualTo("$16.00");
            page.getByTestId("remove-carry-strap").click();
            assertThat(page.getByTestId("cart-empty").isVisible()).isTrue();
            assertThat(Browsers.await(Duration.ofSeconds(5), () -> !named("RemoveFromCart").isEmpty())).isTrue();
            assertThat(named("RemoveFromCart").get(0).path("properties").path("content_ids").get(0).asText()).isEqualTo("carry-strap");
            List<Cookie> cookies = context.cookies();
            assertThat(cookies).anySatisfy(c -> {
                assertThat(c.name).isEqualTo("_rb_aid");
                assertThat(c.path).isEqualTo("/");
                assertThat(c.expires).isGreaterThan(System.currentTimeMillis() / 1000.0 + 390 * 86400);
            });
        }
    }
}
