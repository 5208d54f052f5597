package io.rebound.server.dashboard;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import io.rebound.server.DemoKeys;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.TrafficSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in real Chromium against the real demo server: sign in with the demo login,
 * create a store and copy its snippet, watch the demo shop's events arrive live from another
 * tab, read the funnel, build a segment from a template, open a visitor. Saves a screenshot of
 * each main page to target/screenshots (and refreshes docs/screenshots with -Drebound.refreshScreenshots=true).
 */
class DashboardBrowserIT {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final Path DOCS = Path.of("..", "docs", "screenshots");

    @TempDir
    static Path dataDir;

    private static ReboundServer server;
    private static DemoKeys keys;
    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.demo(dataDir, 0));
        keys = server.demoStore();
        // A month of history, as `rebound demo` seeds, so the funnel and segments have data.
        new TrafficSimulator(URI.create(server.baseUrl()), keys.writeKey(), DemoCatalog.yogaShop(), 7)
                .runHistory(Instant.now(), 30, 300);
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
        page.screenshot(new Page.ScreenshotOptions().setPath(file));
        // Tests must not dirty the checkout: docs/ is refreshed only on request
        // (./rebound test -Drebound.refreshScreenshots=true).
        if (Boolean.getBoolean("rebound.refreshScreenshots") && Files.isDirectory(DOCS.getParent())) {
            Files.createDirectories(DOCS);
            Files.copy(file, DOCS.resolve("dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void storeOwnerSetsUpWatchesEventsReadsTheFunnelAndBuildsASegment() throws Exception {
        String base = server.baseUrl();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(1366, 820))) {
            context.grantPermissions(List.of("clipboard-read", "clipboard-write"), new BrowserContext.GrantPermissionsOptions()
                    .setOrigin(base));
            Page page = context.newPage();

            // Sign in with the demo login printed by `rebound demo`.
            page.navigate(base + "/dashboard/");
            assertThat(page).hasURL(Pattern.compile(".*/dashboard/login.*"));
            page.getByLabel("Email").fill(Dashboard.DEMO_EMAIL);
            page.getByLabel("Password").fill("wrong password!");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page.getByTestId("login-error")).containsText("Wrong email or password");
            shot(page, "sign-in");
            page.getByLabel("Password").fill(Dashboard.DEMO_PASSWORD);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page).hasURL(base + "/dashboard/stores");
            assertThat(page.getByTestId("store-list")).containsText("Demo Yoga Shop");

            // Create a store: the secret is shown once, the snippet is copied with one click.
            page.getByLabel("Store name").fill("Lotus Mats");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create store")).click();
            assertThat(page.getByTestId("secret-once")).isVisible();
            assertThat(page.getByTestId("secret-key")).hasText(Pattern.compile("sk_[A-Za-z0-9]{40}"));
            String writeKey = page.getByTestId("write-key").textContent();
            assertThat(page.getByTestId("checklist-count")).hasText("0/5");
            page.getByTestId("copy-snippet").click();
            assertThat(page.getByTestId("copy-status")).hasText("Copied to the clipboard.");
            String copied = (String) page.evaluate("() => navigator.clipboard.readText()");
            assertThat(copied).contains("rebound('init','" + writeKey + "')").contains(base + "/pixel.js");
            assertThat(copied).isEqualTo(page.getByTestId("snippet").textContent());
            shot(page, "store-setup");

            // The demo store's live debugger, then the demo shop in another tab.
            page.navigate(base + "/dashboard/stores/" + keys.storeId() + "/live");
            assertThat(page.getByTestId("live-status")).hasText("live");
            Page shop = context.newPage();
            shop.navigate(base + "/shop/products/yoga-mat");
            shop.getByTestId("add-to-cart").click();
            Locator rows = page.locator("#live-events tr[data-type='AddToCart']").filter(
                    new Locator.FilterOptions().setHasText("yoga-mat"));
            assertThat(rows.first()).isVisible(new com.microsoft.playwright.assertions.LocatorAssertions.IsVisibleOptions()
                    .setTimeout(15_000));
            assertThat(page.locator("#live-events tr[data-type='ViewContent']").first()).containsText("yoga-mat");
            assertThat(page.locator("#live-events tr[data-type='ViewContent']").first()).containsText("pixel");
            shop.close();
            page.bringToFront();
            shot(page, "live-events");
            String visitorHref = page.locator("#live-events tr[data-type='AddToCart'] a").first().getAttribute("href");

            // The setup checklist of the demo store is green.
            page.navigate(base + "/dashboard/stores/" + keys.storeId());
            assertThat(page.getByTestId("check-AddToCart")).hasAttribute("data-done", "true");

            // Funnel with diagnostics and traffic readiness.
            page.getByTestId("tab-funnel").click();
            assertThat(page.getByTestId("visitors-PageView")).not().hasText("0");
            assertThat(page.getByTestId("readiness")).isVisible();
            shot(page, "funnel");

            // Segments: create one from a template, watch it build, read its size and charts.
            page.getByTestId("tab-segments").click();
            assertThat(page.getByTestId("segment-templates")).isVisible();
            page.getByTestId("template-product_viewers").getByRole(AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("Create")).click();
            assertThat(page).hasURL(Pattern.compile(".*/segments/sg_[A-Za-z0-9]+"));
            assertThat(page.getByTestId("segment-name")).containsText("Product viewers without add-to-cart (14 days)");
            assertThat(page.getByTestId("segment-status")).hasText("Ready",
                    new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(30_000));
            assertThat(page.getByTestId("segment-size")).hasText(Pattern.compile("[1-9][0-9,]*"));
            assertThat(page.getByTestId("platform-meta")).isVisible();
            Locator sizeChart = page.locator("canvas[data-testid='size-chart'][data-rendered='true']");
            Locator recencyChart = page.locator("canvas[data-testid='recency-chart'][data-rendered='true']");
            assertThat(sizeChart).isVisible();
            assertThat(recencyChart).isVisible();
            assertThat(page.getByTestId("recency-caption")).containsText("members by days since their last product view");
            // Both charts are readable without scrolling on a laptop-sized window.
            var box = recencyChart.boundingBox();
            assertThat(box.y + box.height).isLessThanOrEqualTo(768);
            assertThat(page.getByTestId("member-link").first()).isVisible();
            shot(page, "segment");

            // A member from the sample: their visitor page says why they are in the segment.
            String member = page.getByTestId("member-link").first().textContent().strip();
            page.getByTestId("member-link").first().click();
            assertThat(page.getByTestId("visitor-id")).hasText(member);
            assertThat(page.getByTestId("memberships")).containsText("Product viewers without add-to-cart (14 days)");
            assertThat(page.getByTestId("memberships")).containsText("ends");
            assertThat(page.getByTestId("timeline")).containsText("ViewContent");

            // The list: size, status, readiness per platform.
            page.getByTestId("tab-segments").click();
            assertThat(page.getByTestId("segment-row").first()).hasAttribute("data-status", "ready");
            assertThat(page.getByTestId("row-size").first()).hasText(Pattern.compile("[1-9][0-9,]*"));
            shot(page, "segments");

            // The visitor page from the debugger's link.
            page.navigate(base + visitorHref);
            assertThat(page.getByTestId("timeline")).containsText("AddToCart");
            assertThat(page.getByTestId("timeline")).containsText("yoga-mat");
            shot(page, "visitor");
        }
    }
    @Test
    void storeOwnerReadsTheDemosDryRunDestinationsTestsOneAndReadsItsRecordedRequests() throws Exception {
        String base = server.baseUrl();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1366, 820))) {
            Page page = context.newPage();
            page.navigate(base + "/dashboard/login");
            page.getByLabel("Email").fill(Dashboard.DEMO_EMAIL);
            page.getByLabel("Password").fill(Dashboard.DEMO_PASSWORD);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page).hasURL(base + "/dashboard/stores");

            // `rebound demo` connected the four platforms in dry-run and synced the cart abandoners.
            page.navigate(base + "/dashboard/stores/" + keys.storeId());
            page.getByTestId("tab-destinations").click();
            Locator rows = page.getByTestId("destination-row");
            assertThat(rows).hasCount(4);
            for (String platform : List.of("meta", "google", "tiktok", "pinterest")) {
                assertThat(page.locator("[data-testid='destination-row'][data-platform='" + platform + "']"))
                        .hasAttribute("data-mode", "dry_run");
            }
            assertThat(page.getByTestId("worker").first()).hasText("running");
            assertThat(page.getByTestId("synced-segment").first()).containsText("Cart abandoners");
            assertThat(page.getByTestId("connect-meta")).isVisible();
            shot(page, "destinations");

            // Meta's page: its test path with a test event code, recorded in dry-run, then the requests.
            page.locator("[data-testid='destination-row'][data-platform='meta'] [data-testid='destination-link']").click();
            assertThat(page.getByTestId("destination-name")).hasText("Meta (demo, dry-run)");
            assertThat(page.getByTestId("secret-access_token")).hasText("…real");
            page.getByTestId("test-code").fill("TEST12345");
            page.getByTestId("test-button").click();
            assertThat(page.getByTestId("test-outcome")).hasAttribute("data-result", "recorded");
            assertThat(page.getByTestId("request-line").first()).containsText("/200000000000002/events",
                    new com.microsoft.playwright.assertions.LocatorAssertions.ContainsTextOptions().setTimeout(10_000));
            assertThat(page.getByTestId("request-body").first()).containsText("\"test_event_code\" : \"TEST12345\"");
            assertThat(page.getByTestId("request").first()).hasAttribute("data-mode", "dry_run");
            assertThat(page.locator("main")).not().containsText("demo-meta-token-not-real");
            page.getByTestId("requests").scrollIntoViewIfNeeded();
            shot(page, "destination");

            // The synced segment's page lists the four destinations, each synced, next to its platform minimum.
            page.navigate(base + "/dashboard/stores/" + keys.storeId() + "/destinations");
            page.getByTestId("synced-segment").first().getByRole(AriaRole.LINK).click();
            assertThat(page.getByTestId("segment-destination")).hasCount(4);
            assertThat(page.locator("[data-testid='segment-destination'][data-synced='true']")).hasCount(4);
            assertThat(page.getByTestId("reach")).containsText("uploadable by email, phone or customer id");
        }
    }
}
