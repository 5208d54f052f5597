package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.dashboard.FunnelStats;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalog API and the feeds over real HTTP on embedded H2, including tenant isolation. */
class CatalogApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String G = "http://base.google.com/ns/1.0";

    @TempDir
    static Path root;
    private static Database database;
    private static Vertx vertx;
    private static String base;
    private static String storeA;
    private static String keyA;
    private static String storeB;
    private static String keyB;
    private static final FunnelStats FUNNEL = new FunnelStats();
    private static StoreRepository stores;

    @BeforeAll
    static void start() {
        database = Database.embedded(root.resolve("meta"));
        stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        StoreRepository.Created b = stores.create("Store B", false);
        storeA = a.store().id();
        keyA = a.secretKey();
        storeB = b.store().id();
        keyB = b.secretKey();
        JdbcCatalog catalog = new JdbcCatalog(database.dataSource(), Clock.systemUTC());
        FeedTokens tokens = new FeedTokens(database.dataSource(), Clock.systemUTC());
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new CatalogApi(catalog, tokens, new ApiAuth(stores), FUNNEL::productIds, null).mount(router);
        new FeedRoutes(catalog, tokens, stores).mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        database.close();
    }

    record Response(int status, JsonNode json, String body) {
    }

    static Response send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json") && !resp.body().isEmpty()) {
            json = Json.MAPPER.readTree(resp.body());
        }
        return new Response(resp.statusCode(), json, resp.body());
    }

    static String product(String id, String price) {
        return "{\"id\": \"" + id + "\", \"title\": \"Product " + id + "\", \"description\": \"About " + id + "\","
                + " \"link\": \"https://shop.example/p/" + id + "\", \"image_link\": \"https://shop.example/i/" + id + ".jpg\","
                + " \"price\": \"" + price + "\", \"currency\": \"USD\", \"availability\": \"in_stock\"}";
    }

    private static List<String> errorFields(Response r) {
        List<String> out = new ArrayList<>();
        r.json().get("errors").forEach(e -> out.add(e.get("field").asText()));
        return out;
    }

    @Test
    void putCreatesThenReplacesAndGetReadsEveryField() throws Exception {
        String body = "{\"title\": \"Yoga mat\", \"description\": \"Non-slip\", \"link\": \"https://shop.example/mat\","
                + " \"image_link\": \"https://shop.example/mat.jpg\", \"additional_image_links\": [\"https://shop.example/2.jpg\"],"
                + " \"price\": 39.9, \"sale_price\": \"35\", \"currency\": \"USD\", \"availability\": \"in stock\","
                + " \"condition\": \"new\", \"brand\": \"Zen\", \"gtin\": \"4006381333931\", \"mpn\": \"ZM-6\","
                + " \"google_product_category\": \"Sporting Goods\", \"product_type\": \"Yoga > Mats\","
                + " \"item_group_id\": \"mat\", \"cost\": \"12.5\", \"inventory\": 7}";
        Response created = send("PUT", "/api/v1/stores/" + storeA + "/products/put-mat", keyA, body);
        assertThat(created.status()).isEqualTo(201);
        Response replaced = send("PUT", "/api/v1/stores/" + storeA + "/products/put-mat", keyA, body);
        assertThat(replaced.status()).isEqualTo(200);
        JsonNode p = send("GET", "/api/v1/stores/" + storeA + "/products/put-mat", keyA, null).json();
        assertThat(p.get("id").asText()).isEqualTo("put-mat");
        assertThat(p.get("price").asText()).isEqualTo("39.90");
        assertThat(p.get("sale_price").asText()).isEqualTo("35.00");
        assertThat(p.get("cost").asText()).isEqualTo("12.50");
        assertThat(p.get("availability").asText()).isEqualTo("in_stock");
        assertThat(p.get("additional_image_links").get(0).asText()).isEqualTo("https://shop.example/2.jpg");
        assertThat(p.get("gtin").asText()).isEqualTo("4006381333931");
        assertThat(p.get("inventory").asLong()).isEqualTo(7);
        assertThat(p.has("created_at")).isTrue();
    }

    @Test
    void aBadProductIsA400ListingEveryFieldByName() throws Exception {
        String body = "{\"title\": \"Mat\", \"description\": \"d\", \"link\": \"ftp://x\", \"image_url\": \"https://x.example/i\","
                + " \"price\": \"12.345\", \"currency\": \"USD\", \"availability\": \"maybe\", \"gtin\": \"123\"}";
        Response r = send("PUT", "/api/v1/stores/" + storeA + "/products/bad-1", keyA, body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_product");
        assertThat(errorFields(r)).containsExactlyInAnyOrder("image_url", "availability");
        Response typed = send("PUT", "/api/v1/stores/" + storeA + "/products/bad-1", keyA,
                product("bad-1", "1").replace("\"price\": \"1\"", "\"price\": [1]"));
        assertThat(errorFields(typed)).containsExactly("price");
        Response rules = send("PUT", "/api/v1/stores/" + storeA + "/products/bad-1", keyA,
                product("bad-1", "12.345").replace("https://shop.example/p/bad-1", "ftp://x"));
        assertThat(errorFields(rules)).containsExactlyInAnyOrder("link", "price");
        assertThat(send("PUT", "/api/v1/stores/" + storeA + "/products/other", keyA, product("bad-1", "1")).json()
                .get("field").asText()).isEqualTo("id");
        assertThat(send("PUT", "/api/v1/stores/" + storeA + "/products/bad%20id", keyA, product("bad id", "1")).json()
                .get("field").asText()).isEqualTo("id");
        Response notJson = send("PUT", "/api/v1/stores/" + storeA + "/products/bad-1", keyA, "{nope");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().get("field").asText()).isEqualTo("body");
        Response huge = send("PUT", "/api/v1/stores/" + storeA + "/products/bad-1", keyA,
                product("bad-1", "1").replace("About bad-1", "x".repeat(70_000)));
        assertThat(huge.status()).isEqualTo(413);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/products/bad-1", keyA, null).status()).isEqualTo(404);
    }

    @Test
    void aBatchIsAllOrNothingWithPerItemViolations() throws Exception {
        String path = "/api/v1/stores/" + storeA + "/products/batch";
        Response bad = send("POST", path, keyA, "{\"products\": [" + product("b-1", "1") + ", " + product("b-2", "-1")
                + ", " + product("b-1", "2") + "]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(errorFields(bad)).containsExactly("products[1].price", "products[2].id");
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/products/b-1", keyA, null).status()).isEqualTo(404);

        Response ok = send("POST", path, keyA, "{\"products\": [" + product("b-1", "1") + ", " + product("b-2", "2") + "]}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("created").asInt()).isEqualTo(2);
        Response again = send("POST", path, keyA, "{\"products\": [" + product("b-1", "3") + "]}");
        assertThat(again.json().get("updated").asInt()).isEqualTo(1);

        StringBuilder tooMany = new StringBuilder("{\"products\": [");
        for (int i = 0; i <= CatalogApi.MAX_BATCH; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{}");
        }
        Response many = send("POST", path, keyA, tooMany.append("]}").toString());
        assertThat(many.status()).isEqualTo(400);
        assertThat(many.json().get("field").asText()).isEqualTo("products");
        assertThat(send("POST", path, keyA, "{\"items\": []}").json().get("field").asText()).isEqualTo("products");
        assertThat(send("POST", path, keyA, "{\"products\": [\"" + "x".repeat(9 * 1024 * 1024) + "\"]}").status())
                .isEqualTo(413);
    }

    @Test
    void listPagesByCursorAndDeleteRemoves() throws Exception {
        StoreRepository.Created own = stores.create("List shop", false);
        String storeB = own.store().id();
        String keyB = own.secretKey();
        StringBuilder batch = new StringBuilder("{\"products\": [");
        for (int i = 0; i < 5; i++) {
            batch.append(i == 0 ? "" : ",").append(product("l-" + i, "1"));
        }
        send("POST", "/api/v1/stores/" + storeB + "/products/batch", keyB, batch.append("]}").toString());
        List<String> ids = new ArrayList<>();
        String cursor = "";
        do {
            JsonNode page = send("GET", "/api/v1/stores/" + storeB + "/products?limit=2&cursor=" + cursor, keyB, null).json();
            page.get("products").forEach(p -> ids.add(p.get("id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertThat(ids).containsExactly("l-0", "l-1", "l-2", "l-3", "l-4");
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/products?cursor=%25%25", keyB, null).json()
                .get("field").asText()).isEqualTo("cursor");
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/products?limit=0", keyB, null).json()
                .get("field").asText()).isEqualTo("limit");

        assertThat(send("DELETE", "/api/v1/stores/" + storeB + "/products/l-4", keyB, null).status()).isEqualTo(204);
        assertThat(send("DELETE", "/api/v1/stores/" + storeB + "/products/l-4", keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/products/l-4", keyB, null).status()).isEqualTo(404);
    }

    @Test
    void anotherStoresKeyGets404AndNoKeyGets401() throws Exception {
        send("PUT", "/api/v1/stores/" + storeA + "/products/iso-1", keyA, product("iso-1", "1"));
        String p = "/api/v1/stores/" + storeA + "/products/iso-1";
        assertThat(send("GET", p, keyB, null).status()).isEqualTo(404);
        assertThat(send("PUT", p, keyB, product("iso-1", "2")).status()).isEqualTo(404);
        assertThat(send("DELETE", p, keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/products", keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/catalog/feeds", keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/catalog/coverage", keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", p, null, null).status()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/products/iso-1", keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", p, keyA, null).json().get("price").asText()).isEqualTo("1.00");
    }

    private static String feedUrl(JsonNode feeds, String platform) {
        for (JsonNode f : feeds.get("feeds")) {
            if (f.get("platform").asText().equals(platform)) {
                return f.get("url").asText();
            }
        }
        throw new AssertionError(platform);
    }

    private static HttpResponse<byte[]> fetch(String url, boolean gzip) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url));
        if (gzip) {
            r.header("Accept-Encoding", "gzip");
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void feedsAreServedWithTheTokenStreamedOverManyPagesAndParseBack() throws Exception {
        Database db = database;
        String store = new JdbcStoreRepository(db).create("Feed shop", false).store().id();
        JdbcCatalog catalog = new JdbcCatalog(db.dataSource(), Clock.systemUTC());
        List<io.rebound.core.catalog.CatalogProduct> products = new ArrayList<>();
        int n = FeedRoutes.PAGE * 2 + 7;
        for (int i = 0; i < n; i++) {
            products.add(JdbcCatalogTest.product(String.format("f-%05d", i), i + ".5"));
        }
        catalog.upsertAll(store, products);
        // The secret key of the new store is not known here: ask for the URLs through the token class directly.
        FeedTokens tokens = new FeedTokens(db.dataSource(), Clock.systemUTC());
        String token = tokens.tokenFor(store);

        HttpResponse<byte[]> xml = fetch(base + "/feeds/" + store + "/google.xml?token=" + token, false);
        assertThat(xml.statusCode()).isEqualTo(200);
        assertThat(xml.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/rss+xml");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.body()));
        NodeList items = doc.getElementsByTagName("item");
        assertThat(items.getLength()).isEqualTo(n);
        Element last = (Element) items.item(n - 1);
        assertThat(last.getElementsByTagNameNS(G, "id").item(0).getTextContent()).isEqualTo(String.format("f-%05d", n - 1));
        assertThat(last.getElementsByTagNameNS(G, "price").item(0).getTextContent()).isEqualTo((n - 1) + ".50 EUR");
        assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("Feed shop");

        HttpResponse<byte[]> gz = fetch(base + "/feeds/" + store + "/meta.csv?token=" + token, true);
        assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
        String csv = new String(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(), StandardCharsets.UTF_8);
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(n + 1);
        assertThat(lines[1]).startsWith("f-00000,Product f-00000,About f-00000,in stock,new,0.50 EUR,");

        assertThat(fetch(base + "/feeds/" + store + "/google.xml", false).statusCode()).isEqualTo(404);
        assertThat(fetch(base + "/feeds/" + store + "/google.xml?token=ft_wrong", false).statusCode()).isEqualTo(404);
        assertThat(fetch(base + "/feeds/" + storeA + "/google.xml?token=" + token, false).statusCode()).isEqualTo(404);
        assertThat(fetch(base + "/feeds/" + store + "/google.csv?token=" + token, false).statusCode()).isEqualTo(404);
    }

    @Test
    void feedUrlsComeFromTheApiAndRotationRetiresTheOldOnes() throws Exception {
        send("PUT", "/api/v1/stores/" + storeA + "/products/feed-1", keyA,
                product("feed-1", "5").replace("Product feed-1", "Mat <b> & \\\"strap\\\""));
        JsonNode feeds = send("GET", "/api/v1/stores/" + storeA + "/catalog/feeds", keyA, null).json();
        assertThat(feeds.get("feeds")).hasSize(4);
        String google = feedUrl(feeds, "google");
        assertThat(google).startsWith(base + "/feeds/" + storeA + "/google.xml?token=ft_");
        assertThat(feedUrl(feeds, "meta")).contains("/meta.csv?token=");
        HttpResponse<byte[]> r = fetch(google, false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("<g:title>Mat &lt;b&gt; &amp; \"strap\"</g:title>");
        assertThat(fetch(feedUrl(feeds, "pinterest"), false).statusCode()).isEqualTo(200);

        JsonNode rotated = send("POST", "/api/v1/stores/" + storeA + "/catalog/feeds/rotate", keyA, null).json();
        assertThat(feedUrl(rotated, "google")).isNotEqualTo(google);
        assertThat(fetch(google, false).statusCode()).isEqualTo(404);
        assertThat(fetch(feedUrl(rotated, "google"), false).statusCode()).isEqualTo(200);
    }

    @Test
    void coverageCountsEventProductIdsMissingFromTheCatalog() throws Exception {
        String store = storeB;
        send("PUT", "/api/v1/stores/" + store + "/products/cov-mat", keyB, product("cov-mat", "1"));
        send("PUT", "/api/v1/stores/" + store + "/products/cov-unseen", keyB, product("cov-unseen", "1"));
        Instant t = Instant.parse("2026-03-01T10:00:00Z");
        FUNNEL.accept(Event.builder(store, "e1", EventType.VIEW_CONTENT, t, t).anonymousId("v1")
                .products(List.of(Product.of("cov-mat"))).build());
        FUNNEL.accept(Event.builder(store, "e2", EventType.ADD_TO_CART, t, t).anonymousId("v1")
                .products(List.of(Product.of("cov-ghost"), Product.of("cov-mat"))).build());
        JsonNode c = send("GET", "/api/v1/stores/" + store + "/catalog/coverage", keyB, null).json();
        assertThat(c.get("event_product_ids").asInt()).isEqualTo(2);
        assertThat(c.get("in_catalog").asInt()).isEqualTo(1);
        assertThat(c.get("missing_from_catalog").asInt()).isEqualTo(1);
        assertThat(c.get("missing_sample").get(0).asText()).isEqualTo("cov-ghost");
        assertThat(c.get("coverage_percent").asDouble()).isEqualTo(50.0);
        long products = c.get("catalog_products").asLong();
        assertThat(c.get("never_seen_in_events").asLong()).isEqualTo(products - 1);
        assertThat(new BigDecimal(c.get("coverage_percent").asText())).isEqualByComparingTo("50");
    }
}
