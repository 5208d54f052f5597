package io.rebound.server.cluster;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.TrafficSimulator;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.meta.StoreRepository;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in real Chromium against a two-node cluster (real broker in the test JVM, PostgreSQL):
 * traffic goes to node A's collector, the store owner uses node B — stores, the live debugger,
 * the setup checklist, the funnel, a segment built from a template, a member's visitor page with
 * memberships and timeline — so every page is shown from what the cluster shares, not one node's memory.
 */
class ClusterDashboardBrowserIT {
    private static final String EMAIL = "owner@cluster.test";
    private static final String PASSWORD = "cluster owner password";

    @TempDir
    static Path dir;
    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private static ClusterServer nodeA;
    private static ClusterServer nodeB;
    private static StoreRepository.Created store;
    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
        nodeA = node("a");
        nodeB = node("b");
        store = nodeA.stores().create("Cluster Yoga", false);
        long owner = nodeB.dashboard().users().create(EMAIL, PASSWORD).id();
        nodeB.dashboard().users().addMember(owner, store.store().id());
        new TrafficSimulator(URI.create(nodeA.baseUrl()), store.store().writeKey(), DemoCatalog.yogaShop(), 7)
                .runHistory(Instant.now(), 14, 120);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Path.of("/usr/bin/chromium")).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                        "--disable-dev-shm-usage", "--no-first-run")));
    }

    private static ClusterServer node(String name) {
        return TestCluster.node(dir.resolve(name), broker, pg, "dash", 4);
    }

    @AfterAll
    static void stop() throws Exception {
        if (playwright != null) {
            playwright.close();
        }
        for (ClusterServer n : new ClusterServer[]{nodeB, nodeA}) {
            if (n != null) {
                n.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    private static void addToCartOnNodeA(String visitor) throws Exception {
        String body = """
                {"type":"track","event":"Product Added","messageId":"live-%1$s","anonymousId":"%1$s",
                 "properties":{"product_id":"yoga-mat","price":49,"quantity":1},
                 "context":{"page":{"url":"https://cluster-yoga.test/products/yoga-mat"}}}""".formatted(visitor);
        HttpRequest r = HttpRequest.newBuilder(URI.create(nodeA.baseUrl() + "/v1/track"))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (store.store().writeKey() + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void everyPageWorksOnNodeBForTrafficThatNodeAAccepted() throws Exception {
        String base = nodeB.baseUrl();
        String storeBase = base + "/dashboard/stores/" + store.store().id();
        LocatorAssertions.IsVisibleOptions slow = new LocatorAssertions.IsVisibleOptions().setTimeout(30_000);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1366, 820))) {
            Page page = context.newPage();
            page.navigate(base + "/dashboard/");
            assertThat(page).hasURL(Pattern.compile(".*/dashboard/login.*"));
            page.getByLabel("Email").fill(EMAIL);
            page.getByLabel("Password").fill(PASSWORD);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page).hasURL(base + "/dashboard/stores");
            assertThat(page.getByTestId("store-list")).containsText("Cluster Yoga");

            // Live: an add to cart accepted by node A shows on node B's debugger.
            page.navigate(storeBase + "/live");
            assertThat(page.getByTestId("live-status")).hasText("live");
            addToCartOnNodeA("live-visitor");
            Locator row = page.locator("#live-events tr[data-type='AddToCart']").filter(
                    new Locator.FilterOptions().setHasText("live-visitor"));
            assertThat(row.first()).isVisible(slow);

            // The setup checklist and the funnel, from node B's replay of what the cluster stored.
            page.navigate(storeBase);
            assertThat(page.getByTestId("check-AddToCart")).hasAttribute("data-done", "true");
            page.getByTestId("tab-funnel").click();
            assertThat(page.getByTestId("visitors-PageView")).not().hasText("0");
            assertThat(page.getByTestId("visitors-30d")).not().hasText("0");
            assertThat(page.getByTestId("readiness")).isVisible();

            // A segment from a template, built by the cluster's backfill.
            page.getByTestId("tab-segments").click();
            page.getByTestId("template-product_viewers").getByRole(AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("Create")).click();
            assertThat(page).hasURL(Pattern.compile(".*/segments/sg_[A-Za-z0-9]+"));
            assertThat(page.getByTestId("segment-status")).hasText("Ready",
                    new LocatorAssertions.HasTextOptions().setTimeout(60_000));
            assertThat(page.getByTestId("segment-size")).hasText(Pattern.compile("[1-9][0-9,]*"));
            assertThat(page.locator("canvas[data-testid='size-chart'][data-rendered='true']")).isVisible();
            assertThat(page.getByTestId("recency-unavailable")).isVisible();
            assertThat(page.getByTestId("member-link").first()).isVisible(slow);

            // A member's visitor page: the membership, and the timeline from the events the cluster stored.
            String member = page.getByTestId("member-link").first().textContent().strip();
            page.getByTestId("member-link").first().click();
            assertThat(page.getByTestId("visitor-id")).hasText(member);
            assertThat(page.getByTestId("memberships")).containsText("Product viewers without add-to-cart (14 days)");
            assertThat(page.getByTestId("timeline")).containsText("ViewContent");

            // The live visitor's page on node B: timeline from PostgreSQL.
            page.navigate(storeBase + "/visitors/live-visitor");
            assertThat(page.getByTestId("timeline")).containsText("AddToCart");
            assertThat(page.getByTestId("timeline")).containsText("yoga-mat");
        }
    }
}
