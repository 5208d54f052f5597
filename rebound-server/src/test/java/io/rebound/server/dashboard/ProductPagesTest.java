package io.rebound.server.dashboard;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Products page and the funnel's catalog check over a real HTTP server and real storage: search
 * and paging, per-product problems, the feed URLs and the per-platform report, what each feed carries
 * for one product, the CSV upload with its errors by row and column, and the share of the events'
 * product ids that are in the catalog.
 */
class ProductPagesTest {
    private static final String HEADER = "id,title,description,link,image_link,price,currency,availability,brand\r\n";

    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created shop;
    DashboardHarness.Browser b;
    String base;
    int seq;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long owner = h.dashboard.users().create("owner@example.com", "owner password 1").id();
        shop = h.stores.create("Mat shop", false);
        h.dashboard.users().addMember(owner, shop.store().id());
        base = "/dashboard/stores/" + shop.store().id();
        b = h.browser();
        b.signIn("owner@example.com", "owner password 1");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static CatalogProduct product(String id, String title, String brand, Availability availability) {
        return CatalogProduct.builder(id).title(title).description("About " + id)
                .link("https://shop.example/p/" + id).imageLink("https://shop.example/i/" + id + ".jpg")
                .price(new BigDecimal("68"), "USD").availability(availability).brand(brand).build();
    }

    private HttpResponse<String> upload(String csv, boolean dryRun) throws Exception {
        b.get(base + "/products");
        Map<String, String> form = new HashMap<>(Map.of("_csrf", b.csrf, "csv", csv));
        if (dryRun) {
            form.put("dry_run", "on");
        }
        return b.post(base + "/products/upload", form);
    }

    private static long count(String body, String needle) {
        return (body.length() - body.replace(needle, "").length()) / needle.length();
    }

    @Test
    void theListSearchesAndPagesAndShowsProblemsFeedUrlsAndTheReport() throws Exception {
        List<CatalogProduct> products = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            products.add(product(String.format("mat-%02d", i), "Yoga mat " + i, "Zen", Availability.IN_STOCK));
        }
        products.add(product("strap", "Carry strap", null, Availability.IN_STOCK));
        products.add(product("block", "Cork block", "Zen", Availability.BACKORDER));
        h.catalog.upsertAll(shop.store().id(), products);

        String page1 = b.get(base + "/products").body();
        assertThat(page1).contains("data-testid=\"tab-products\"").contains("data-testid=\"product-count\">62 in the catalog");
        assertThat(count(page1, "data-testid=\"product-row\"")).isEqualTo(ProductPages.PAGE_SIZE);
        assertThat(page1).contains("data-id=\"block\"").contains("data-testid=\"next-page\"").doesNotContain("prev-page");
        assertThat(page1).contains("Pinterest: availability Pinterest has no backorder");
        String token = h.feedTokens.tokenFor(shop.store().id());
        assertThat(page1).contains("/feeds/" + shop.store().id() + "/meta.csv?token=" + token)
                .contains("/feeds/" + shop.store().id() + "/google.xml?token=" + token);
        assertThat(page1).containsPattern("data-testid=\"report-meta\"><th scope=\"row\">Meta</th><td class=\"num\">61</td><td class=\"num error\">1</td>")
                .containsPattern("data-testid=\"report-google\"><th scope=\"row\">Google</th><td class=\"num\">62</td><td class=\"num\">0</td>");

        String page2 = b.get(base + "/products?page=2").body();
        assertThat(count(page2, "data-testid=\"product-row\"")).isEqualTo(12);
        assertThat(page2).contains("data-id=\"strap\"").contains("Meta: brand is required by Meta")
                .contains("TikTok: brand").contains("data-testid=\"prev-page\"");

        String search = b.get(base + "/products?q=STRAP").body();
        assertThat(count(search, "data-testid=\"product-row\"")).isEqualTo(1);
        assertThat(search).contains("data-id=\"strap\"");
        assertThat(b.get(base + "/products?q=mat-0").body()).contains("10 matching");
        assertThat(b.get(base + "/products?q=%25").body()).as("% is searched for, not a wildcard")
                .contains("data-testid=\"no-products\"");
        assertThat(b.get(base + "/products?page=nope").statusCode()).isEqualTo(200);
    }

    @Test
    void aProductPageShowsWhatEachFeedCarriesAndItsProblems() throws Exception {
        h.catalog.upsert(shop.store().id(), product("strap", "Carry strap <b>", null, Availability.BACKORDER));
        String page = b.get(base + "/products/strap").body();
        assertThat(page).contains("data-testid=\"product-price\">68.00 USD");
        assertThat(page).contains("&lt;g:id&gt;strap&lt;/g:id&gt;").contains("Carry strap &amp;lt;b&amp;gt;");
        assertThat(page).contains("id,title,description,availability,condition,price")
                .contains("strap,Carry strap &lt;b&gt;,About strap,available for order,new,68.00 USD");
        assertThat(page).contains("data-testid=\"platform-problem-meta\"").contains("data-testid=\"platform-problem-tiktok\"")
                .contains("data-testid=\"platform-problem-pinterest\"").doesNotContain("platform-problem-google");

        assertThat(b.get(base + "/products/ghost").statusCode()).isEqualTo(404);
        StoreRepository.Created other = h.stores.create("Other", false);
        h.catalog.upsert(other.store().id(), product("secret", "Secret", "Zen", Availability.IN_STOCK));
        assertThat(b.get("/dashboard/stores/" + other.store().id() + "/products/secret").statusCode()).isEqualTo(404);
        assertThat(b.get("/dashboard/stores/" + other.store().id() + "/products").statusCode()).isEqualTo(404);
    }

    @Test
    void aCsvUploadKeepsGoodRowsAndListsBadOnesByRowAndColumn() throws Exception {
        String csv = HEADER
                + "yoga-mat,Yoga mat,Non-slip,https://shop.example/mat,https://shop.example/mat.jpg,68.00,USD,in_stock,Zen\r\n"
                + "bad-price,Mat,D,https://shop.example/b,https://shop.example/b.jpg,6.999,USD,in_stock,Zen\r\n"
                + "no-link,Mat,D,,https://shop.example/n.jpg,5,USD,in_stock,Zen\r\n";
        HttpResponse<String> dry = upload(csv, true);
        assertThat(dry.statusCode()).isEqualTo(200);
        assertThat(dry.body()).contains("Checked: 3 rows").contains("nothing was stored");
        assertThat(h.catalog.count(shop.store().id())).isZero();

        HttpResponse<String> r = upload(csv, false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("data-testid=\"upload-accepted\">1<").contains("data-testid=\"upload-rejected\">2<")
                .contains("data-row=\"3\" data-column=\"price\"").contains("data-row=\"4\" data-column=\"link\"")
                .contains("data-id=\"yoga-mat\"");
        assertThat(h.catalog.get(shop.store().id(), "yoga-mat")).isPresent();

        HttpResponse<String> bad = upload("id,title,image_url\r\nx,y,z\r\n", false);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("data-testid=\"upload-file-error\">column &#39;image_url&#39; is not a product field");
        assertThat(bad.body()).as("the pasted text is kept for correction").contains("x,y,z");

        HttpResponse<String> noCsrf = b.post(base + "/products/upload", Map.of("csv", csv));
        assertThat(noCsrf.statusCode()).isEqualTo(403);
        HttpResponse<String> huge = upload(HEADER + "x".repeat(300 * 1024), false);
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(huge.body()).contains("through the API");
        assertThat(h.catalog.count(shop.store().id())).isEqualTo(1);
    }

    @Test
    void aPastedFileOfSeveralHundredRowsIsReadWhole() throws Exception {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int i = 0; i < 800; i++) {
            csv.append(String.format("mat-%03d,Yoga mat %d,\"A mat, number %d\",https://shop.example/p/%d,"
                    + "https://shop.example/i/%d.jpg,68.00,USD,in_stock,Zen\r\n", i, i, i, i, i));
        }
        assertThat(csv.length()).as("far above Vert.x's 8 KB default for a form field").isGreaterThan(90_000);
        HttpResponse<String> r = upload(csv.toString(), false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("data-testid=\"upload-accepted\">800<");
        assertThat(h.catalog.count(shop.store().id())).isEqualTo(800);
    }

    @Test
    void theFunnelShowsTheShareOfTheLast30DaysProductIdsThatAreInTheCatalog() throws Exception {
        h.catalog.upsertAll(shop.store().id(), List.of(product("mat", "Mat", "Zen", Availability.IN_STOCK),
                product("block", "Block", "Zen", Availability.IN_STOCK),
                product("strap", "Strap", "Zen", Availability.IN_STOCK)));
        send("v1", EventType.VIEW_CONTENT, Duration.ofDays(2), "mat");
        send("v1", EventType.ADD_TO_CART, Duration.ofDays(1), "mat", "ghost");
        send("v2", EventType.VIEW_CONTENT, Duration.ofDays(45), "strap");
        String funnel = b.get(base + "/funnel").body();
        assertThat(funnel).contains("data-testid=\"diag-catalog\"").contains("data-testid=\"catalog-share\">50.0%")
                .contains("data-testid=\"missing-id\">ghost<")
                .contains("2 of 3 catalog products were never seen in an event, e.g. <code>block</code>, <code>strap</code>")
                .doesNotContain("Unknown product ids");
    }

    private void send(String visitor, EventType type, Duration ago, String... products) throws InterruptedException {
        Instant t = h.clock.instant().minus(ago);
        h.append(Event.builder(shop.store().id(), "e" + (++seq), type, t, t).anonymousId(visitor)
                .products(Arrays.stream(products).map(Product::of).toList()).build());
    }
}
