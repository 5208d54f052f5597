package io.rebound.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import io.rebound.core.campaign.Holdout;
import io.rebound.server.DemoKeys;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.demo.DemoCampaign;
import io.rebound.server.demo.DemoShoppers;
import io.rebound.server.email.CapturedMailbox;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's campaign in real Chromium against the real demo server: {@code rebound demo} has set up
 * "Yoga mat viewers"; demo shoppers view the mat, the flow emails the reminder into the local mailbox,
 * three days later the decision API issues a 10 % code; the Campaigns page shows the audience, the
 * creative preview with the mat, block and strap, the timeline, holdout, counts, the code and the
 * emails. Then the shopper follows a signed recovery link on the demo shop and finds the cart restored
 * with the code applied; a tampered link gets a clear 400 page.
 */
class CampaignBrowserIT {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final Path DOCS = Path.of("..", "docs", "screenshots");
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    static Path dataDir;

    private static final ShiftedClock CLOCK = new ShiftedClock();
    private static ReboundServer server;
    private static DemoKeys keys;
    private static Playwright playwright;
    private static Browser browser;

    /** Real time, moved forward by the test (the offer touch is due three days after joining). */
    static final class ShiftedClock extends Clock {
        private volatile Duration shift = Duration.ZERO;

        void advance(Duration d) {
            shift = shift.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }
    }

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.demo(dataDir, 0), CLOCK);
        keys = server.demoStore();
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
        if (server != null) {
            server.close();
        }
    }

    private static void shot(Page page, String name) throws IOException {
        Path file = SCREENSHOTS.resolve(name + ".png");
        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
        if (Boolean.getBoolean("rebound.refreshScreenshots") && Files.isDirectory(DOCS.getParent())) {
            Files.createDirectories(DOCS);
            Files.copy(file, DOCS.resolve("dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return condition.getAsBoolean();
    }

    private static HttpResponse<String> api(String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + keys.secretKey()).header("Content-Type", "application/json");
        return HTTP.send(body == null ? r.method(method, HttpRequest.BodyPublishers.noBody()).build()
                : r.method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSeedsCampaignRunsInTheDemoAndARecoveryLinkRestoresTheCartWithTheCode() throws Exception {
        String base = server.baseUrl();
        String store = keys.storeId();
        CampaignRecord campaign = new JdbcCampaigns(server.database().dataSource(), CLOCK).list(store).stream()
                .filter(c -> DemoCampaign.NAME.equals(c.definition().name())).findFirst().orElseThrow();

        // Five consented shoppers look at the mat; the four who do not add it are the segment.
        List<String> visitors = DemoShoppers.visit(URI.create(base), keys.writeKey(), CLOCK.instant());
        List<String> viewers = visitors.subList(0, 4);
        assertThat(await(Duration.ofSeconds(20), () -> viewers.stream().allMatch(v -> server.audiencesPort().reader()
                .personOf(store, v).map(p -> server.audiencesPort().reader().isMember(store,
                        campaign.definition().segmentId(), p)).orElse(false)))).as("the viewers joined").isTrue();
        List<String> treated = viewers.stream().filter(v -> !Holdout.isHeldOut(campaign.id(),
                server.audiencesPort().reader().personOf(store, v).orElseThrow(),
                campaign.definition().holdoutBasisPoints())).toList();
        assertThat(treated).as("at most 4 × 10 % held out").isNotEmpty();

        // The flow emails touch 1 (the reminder) to each treated viewer, into the local mailbox.
        CapturedMailbox mailbox = new CapturedMailbox(server.database().dataSource(), "x@y.z", CLOCK);
        assertThat(await(Duration.ofSeconds(40), () -> mailbox.sends(store, campaign.id()).stream()
                .filter(s -> s.captured().isPresent()).count() == treated.size())).as("the reminders").isTrue();

        // Three days later the offer touch is due: the flow emails each treated viewer a unique 10 % code,
        // and the decision API shows the same code on site.
        CLOCK.advance(Duration.ofHours(73));
        assertThat(await(Duration.ofSeconds(40), () -> mailbox.sends(store, campaign.id()).stream()
                .filter(s -> s.captured().isPresent()).count() == 2L * treated.size())).as("the offers").isTrue();
        HttpResponse<String> decided = api("GET", "/api/v1/stores/" + store + "/decide?visitor=" + treated.getFirst()
                + "&placement=home_banner", null);
        assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
        JsonNode decision = Json.MAPPER.readTree(decided.body()).path("decisions").path(0);
        assertThat(decision.path("kind").asText()).as(decided.body()).isIn("new_offer", "show_offer");
        String code = decision.path("offer").path("code").asText();
        assertThat(code).startsWith("RB-");

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1366, 900))) {
            Page page = context.newPage();
            page.navigate(base + "/dashboard/");
            page.getByLabel("Email").fill(Dashboard.DEMO_EMAIL);
            page.getByLabel("Password").fill(Dashboard.DEMO_PASSWORD);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page).hasURL(base + "/dashboard/stores");
            page.navigate(base + "/dashboard/stores/" + store);
            page.getByTestId("tab-campaigns").click();
            assertThat(page.getByTestId("campaign-list")).containsText(DemoCampaign.NAME);
            page.getByTestId("campaign-link").filter(new Locator.FilterOptions().setHasText(DemoCampaign.NAME)).click();

            assertThat(page.getByTestId("campaign-name")).hasText(DemoCampaign.NAME);
            assertThat(page.getByTestId("audience-segment")).containsText("Product viewers without add-to-cart (14 days) — yoga-mat");
            assertThat(page.getByTestId("audience-size")).hasText("4");
            assertThat(page.getByTestId("holdout")).containsText("10 %");
            assertThat(page.getByTestId("cap")).containsText("3 touches per person per day");
            assertThat(page.getByTestId("timeline-touch")).hasCount(2);
            assertThat(page.getByTestId("timeline-touch").nth(1)).containsText("10 % off orders over $50.00");
            Locator touches = page.getByTestId("touch");
            assertThat(touches).hasCount(2);
            for (int i = 0; i < 2; i++) {
                Locator products = touches.nth(i).getByTestId("creative-product");
                assertThat(products).hasCount(3);
                assertThat(products.nth(0)).containsText("Everyday Yoga Mat");
                assertThat(products.nth(0)).containsText("$68.00");
                assertThat(products.nth(1)).containsText("Foam Yoga Block");
                assertThat(products.nth(2)).containsText("Mat Carry Strap");
                // The catalog images load (same origin as the demo shop).
                Locator img = products.nth(0).locator("img");
                img.scrollIntoViewIfNeeded();
                assertThat(await(Duration.ofSeconds(10), () -> ((Number) img.evaluate(
                        "i => i.complete ? i.naturalWidth : 0")).intValue() > 0)).as("the image loaded").isTrue();
            }
            assertThat(touches.nth(0).getByTestId("count-emails")).hasText(String.valueOf(treated.size()));
            assertThat(touches.nth(1).getByTestId("count-offered")).hasText(String.valueOf(treated.size()));
            // People per step: the stats API's distinct-person counts, reloaded by the page itself.
            String n = String.valueOf(treated.size());
            Locator first = page.locator("[data-testid=people-row][data-touch='1']");
            Locator second = page.locator("[data-testid=people-row][data-touch='2']");
            // The fifth shopper was a member for the 100 ms between the view and the add to cart, and the
            // first touch is due at once (0 h): they entered, and left before the email went out
            // (decision 0027) — unless held out.
            String fifth = server.audiencesPort().reader().personOf(store, visitors.get(4)).orElseThrow();
            int leftAtOnce = Holdout.isHeldOut(campaign.id(), fifth, campaign.definition().holdoutBasisPoints()) ? 0 : 1;
            assertThat(first.getByTestId("people-entered")).hasText(String.valueOf(treated.size() + leftAtOnce));
            assertThat(first.getByTestId("people-exited")).hasText(String.valueOf(leftAtOnce));
            assertThat(first.getByTestId("people-reminded")).hasText(n);
            assertThat(second.getByTestId("people-offered")).hasText(n);
            assertThat(second.getByTestId("people-converted")).hasText("0");
            HttpResponse<String> redeemed = api("POST", "/api/v1/stores/" + store + "/codes/" + code + "/redeem", "{}");
            assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
            // Live: the section reloads itself every 5 s, without the page being loaded again.
            assertThat(second.getByTestId("people-converted"))
                    .hasText("1", new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(15_000));
            assertThat(page.locator("[data-testid=people-row][data-touch='all']").getByTestId("people-converted"))
                    .hasText("1");
            assertThat(page.getByTestId("code")).hasCount(treated.size());
            assertThat(page.getByTestId("code").filter(new Locator.FilterOptions().setHasText(code))).hasCount(1);
            assertThat(page.locator("[data-testid=email-row][data-state=sent]")).hasCount(2 * treated.size());
            assertThat(page.getByTestId("email-row")).hasCount(2 * (treated.size() + leftAtOnce));
            page.getByTestId("email-subject").first().click();
            assertThat(page.getByTestId("email-text").first()).containsText("Everyday Yoga Mat (68.00 USD)");
            assertThat(page.getByTestId("email-to").first()).containsText("@example.com");
            shot(page, "campaign");
        }

        // The recovery link: signed by Rebound, it restores the cart on the demo shop with the code.
        HttpResponse<String> created = api("POST", "/api/v1/stores/" + store + "/recovery-links", """
                {"platform": "demo", "items": [{"id": "yoga-mat", "quantity": 1}, {"id": "yoga-block", "quantity": 1},
                 {"id": "carry-strap", "quantity": 1}], "code": "%s", "expires_hours": 48}""".formatted(code));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String link = Json.MAPPER.readTree(created.body()).path("url").asText();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800))) {
            Page shop = context.newPage();
            shop.navigate(link);
            assertThat(shop).hasURL(base + "/shop/cart");
            assertThat(shop.getByTestId("cart-line-yoga-mat")).isVisible();
            assertThat(shop.getByTestId("cart-line-yoga-block")).isVisible();
            assertThat(shop.getByTestId("cart-line-carry-strap")).isVisible();
            assertThat(shop.getByTestId("cart-total")).hasText("$102.00");
            assertThat(shop.getByTestId("cart-discount")).containsText("Discount code " + code + " applied");
            assertThat(shop.getByTestId("cart-count")).hasText("3");
            shot(shop, "recovery-link-cart");

            // The cart stays after a reload, as a cart does.
            shop.reload();
            assertThat(shop.getByTestId("cart-discount")).containsText(code);

            // A link changed by hand is refused with a clear page, and the cart is left alone.
            Page tampered = context.newPage();
            com.microsoft.playwright.Response r = tampered.navigate(link.substring(0, link.length() - 4) + "AAAA");
            assertThat(r.status()).isEqualTo(400);
            assertThat(tampered.getByTestId("link-error")).hasText("This link is not valid");
        }
    }
}
