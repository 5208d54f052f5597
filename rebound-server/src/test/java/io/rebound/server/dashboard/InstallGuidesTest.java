package io.rebound.server.dashboard;

import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The setup page's install guides are the integrations the repository maintains, not copies of
 * them: the Shopify guide is {@code integrations/shopify/rebound-custom-pixel.js} filled in with this
 * server and store, and the WooCommerce download is exactly the plugin in
 * {@code integrations/woocommerce/rebound/}.
 */
class InstallGuidesTest {
    private static final Path INTEGRATIONS = Path.of("..", "integrations");
    private static final Pattern SHOPIFY = Pattern.compile("<code id=\"shopify-code\">(.*?)</code>", Pattern.DOTALL);

    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created shop;
    DashboardHarness.Browser browser;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long owner = h.dashboard.users().create("owner@example.com", "owner password 1").id();
        shop = h.stores.create("Yoga shop", false);
        h.dashboard.users().addMember(owner, shop.store().id());
        browser = h.browser();
        browser.signIn("owner@example.com", "owner password 1");
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    @Test
    void theShopifyGuideIsTheMaintainedPixelFilledIn() throws Exception {
        HttpResponse<String> page = browser.get("/dashboard/stores/" + shop.store().id());
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher m = SHOPIFY.matcher(page.body());
        assertThat(m.find()).isTrue();
        String shown = unescape(m.group(1));
        String maintained = Files.readString(INTEGRATIONS.resolve("shopify/rebound-custom-pixel.js"));
        assertThat(shown).isEqualTo(maintained.replace("const REBOUND = 'https://rebound.example.com'",
                "const REBOUND = '" + h.base + "'").replace("const WRITE_KEY = 'WRITE_KEY'",
                "const WRITE_KEY = '" + shop.store().writeKey() + "'"));
        // What the older copy lacked: GraphQL ids made plain, and the checkout webhook's event id.
        assertThat(shown).contains("function plainId(").contains("'checkout-' + checkout.token")
                .contains("const WRITE_KEY = '" + shop.store().writeKey() + "'");
    }

    @Test
    void theWooCommerceDownloadIsThePluginDirectory() throws Exception {
        String page = browser.get("/dashboard/stores/" + shop.store().id()).body();
        assertThat(page).contains("/dashboard/stores/" + shop.store().id() + "/rebound-woocommerce.zip")
                .contains(shop.store().writeKey()).contains("Settings → Rebound");
        HttpResponse<byte[]> zip = browser.http.send(HttpRequest.newBuilder(URI.create(h.base + "/dashboard/stores/"
                + shop.store().id() + "/rebound-woocommerce.zip")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");

        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        Path plugin = INTEGRATIONS.resolve("woocommerce/rebound");
        Map<String, byte[]> expected = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(plugin)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                expected.put("rebound/" + plugin.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, bytes) -> assertThat(entries.get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    void aSignedOutVisitorGetsNoPlugin() throws Exception {
        HttpResponse<byte[]> r = h.browser().http.send(HttpRequest.newBuilder(URI.create(h.base + "/dashboard/stores/"
                + shop.store().id() + "/rebound-woocommerce.zip")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isIn(302, 303, 401);
    }

    private static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&#x27;", "'").replace("&amp;", "&");
    }
}
