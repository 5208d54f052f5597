package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.api.ApiAuth;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CSV upload, the validation report and the feeds' conditional GET over real HTTP on embedded H2:
 * good rows kept and bad ones listed by row and column, files refused whole (oversized, too many rows,
 * not a catalog), per-platform problems, and ETag / Last-Modified that change with every write and delete.
 */
class CatalogUploadApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String HEADER = "id,title,description,link,image_link,price,currency,availability,brand,inventory,"
            + "additional_image_links\r\n";

    @TempDir
    static Path root;
    private static Database database;
    private static Vertx vertx;
    private static String base;
    private static StoreRepository stores;

    @BeforeAll
    static void start() {
        database = Database.embedded(root.resolve("meta"));
        stores = new JdbcStoreRepository(database);
        JdbcCatalog catalog = new JdbcCatalog(database.dataSource(), Clock.systemUTC());
        FeedTokens tokens = new FeedTokens(database.dataSource(), Clock.systemUTC());
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new CatalogApi(catalog, tokens, new ApiAuth(stores), id -> Set.of(), null).mount(router);
        new FeedRoutes(catalog, tokens, stores).mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        database.close();
    }

    private record Shop(String id, String key) {
        String api() {
            return "/api/v1/stores/" + id;
        }
    }

    private static Shop shop() {
        StoreRepository.Created c = stores.create("Upload shop", false);
        return new Shop(c.store().id(), c.secretKey());
    }

    private static HttpResponse<String> send(String method, String path, String key, String type, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        if (type != null) {
            r.header("Content-Type", type);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode upload(Shop s, String csv, int status) throws Exception {
        HttpResponse<String> r = send("POST", s.api() + "/products.csv", s.key(), "text/csv; charset=utf-8", csv);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Json.MAPPER.readTree(r.body());
    }

    static String row(String id, String price, String availability) {
        return id + ",\"Mat, " + id + "\",About " + id + ",https://shop.example/p/" + id + ",https://shop.example/i/"
                + id + ".jpg," + price + ",USD," + availability + ",Zen,,\r\n";
    }

    private static List<String> errors(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("errors").forEach(e -> out.add(e.get("row").asInt() + ":" + e.get("column").asText()));
        return out;
    }

    @Test
    void goodRowsAreKeptAndBadRowsAreListedByRowAndColumn() throws Exception {
        Shop s = shop();
        String csv = "\uFEFF" + HEADER
                + row("mat-1", "68.00", "in_stock")
                + row("this-id-is-much-too-long-for-google-merchant-center-000", "10", "in_stock")
                + row("mat-3", "12.345", "in_stock")
                + "mat-4,Mat four,\"Two\nlines\",https://shop.example/4,https://shop.example/4.jpg,5,USD,in stock,,7,"
                + "\"https://shop.example/a.jpg, https://shop.example/b.jpg\"\r\n"
                + row("mat-1", "1", "in_stock")
                + "mat-6,too,few\r\n"
                + "mat-7,T,D,https://shop.example/7,https://shop.example/7.jpg,5,USD,maybe,Zen,lots,\r\n";
        JsonNode a = upload(s, csv, 200);
        assertThat(a.get("rows").asInt()).isEqualTo(7);
        assertThat(a.get("accepted").asInt()).isEqualTo(2);
        assertThat(a.get("rejected").asInt()).isEqualTo(5);
        assertThat(a.get("created").asInt()).isEqualTo(2);
        // Row 5 holds a line break inside a quoted cell: rows count records, as a spreadsheet does.
        assertThat(errors(a)).containsExactly("3:id", "4:price", "6:id", "7:null", "8:availability", "8:inventory");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("at most 50 characters");
        assertThat(a.get("errors").get(1).get("message").asText()).contains("decimals");
        assertThat(a.get("errors").get(2).get("message").asText()).contains("row 2");
        assertThat(a.get("errors").get(3).get("column").isNull()).isTrue();

        JsonNode mat4 = Json.MAPPER.readTree(send("GET", s.api() + "/products/mat-4", s.key(), null, null).body());
        assertThat(mat4.get("description").asText()).isEqualTo("Two\nlines");
        assertThat(mat4.get("inventory").asInt()).isEqualTo(7);
        assertThat(mat4.get("additional_image_links")).hasSize(2);
        assertThat(mat4.get("availability").asText()).isEqualTo("in_stock");
        JsonNode mat1 = Json.MAPPER.readTree(send("GET", s.api() + "/products/mat-1", s.key(), null, null).body());
        assertThat(mat1.get("title").asText()).as("the first row of an id wins").isEqualTo("Mat, mat-1");

        JsonNode again = upload(s, HEADER + row("mat-1", "70", "out_of_stock"), 200);
        assertThat(again.get("updated").asInt()).isEqualTo(1);
        assertThat(again.get("total").asInt()).isEqualTo(2);
    }

    @Test
    void aDryRunValidatesAndKeepsNothing() throws Exception {
        Shop s = shop();
        HttpResponse<String> r = send("POST", s.api() + "/products.csv?dry_run=true", s.key(), "text/csv",
                HEADER + row("dry-1", "5", "in_stock") + row("dry-2", "x", "in_stock"));
        JsonNode dry = Json.MAPPER.readTree(r.body());
        assertThat(dry.get("dry_run").asBoolean()).isTrue();
        assertThat(dry.get("accepted").asInt()).isEqualTo(1);
        assertThat(dry.get("created").asInt()).isZero();
        assertThat(errors(dry)).containsExactly("3:price");
        assertThat(send("GET", s.api() + "/products/dry-1", s.key(), null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void filesThatAreNoCatalogAreRefusedWholeAndNothingIsStored() throws Exception {
        Shop s = shop();
        assertThat(upload(s, "id,title,image_url\r\nx,y,z\r\n", 400).get("field").asText()).isEqualTo("header");
        JsonNode missing = upload(s, "id,title\r\nx,y\r\n", 400);
        assertThat(missing.get("message").asText()).contains("required columns missing").contains("price");
        assertThat(upload(s, "id,id,title\r\n", 400).get("field").asText()).isEqualTo("header");
        assertThat(upload(s, "", 400).get("field").asText()).isEqualTo("header");
        assertThat(upload(s, HEADER + "\"broken,quote\r\n", 400).get("field").asText()).isEqualTo("body");

        StringBuilder many = new StringBuilder(HEADER);
        for (int i = 0; i <= CatalogCsv.MAX_ROWS; i++) {
            many.append(row("r" + i, "1", "in_stock"));
        }
        assertThat(upload(s, many.toString(), 400).get("message").asText()).contains("at most 10000 product rows");

        String huge = HEADER + "x".repeat(CatalogApi.MAX_CSV_BYTES);
        assertThat(upload(s, huge, 413).get("error").asText()).isEqualTo("payload_too_large");

        HttpResponse<String> json = send("POST", s.api() + "/products.csv", s.key(), "application/json", "{}");
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(send("POST", s.api() + "/products.csv", null, "text/csv", HEADER).statusCode()).isEqualTo(401);
        assertThat(send("POST", s.api() + "/products.csv", shop().key(), "text/csv", HEADER).statusCode()).isEqualTo(404);
        JsonNode list = Json.MAPPER.readTree(send("GET", s.api() + "/products", s.key(), null, null).body());
        assertThat(list.get("total").asInt()).isZero();
    }

    @Test
    void theReportListsEachPlatformsProblemsByProductAndField() throws Exception {
        Shop s = shop();
        upload(s, HEADER + row("rep-ok", "5", "in_stock") + row("rep-back", "5", "backorder")
                + "rep-nobrand,T,D,https://shop.example/n,https://shop.example/n.jpg,5,USD,in_stock,,,\r\n", 200);
        JsonNode r = Json.MAPPER.readTree(send("GET", s.api() + "/catalog/report", s.key(), null, null).body());
        assertThat(r.get("products").asInt()).isEqualTo(3);
        JsonNode google = r.get("platforms").get(0);
        assertThat(google.get("platform").asText()).isEqualTo("google");
        assertThat(google.get("ready").asInt()).isEqualTo(3);
        JsonNode meta = r.get("platforms").get(1);
        assertThat(meta.get("platform").asText()).isEqualTo("meta");
        assertThat(meta.get("ready").asInt()).isEqualTo(2);
        assertThat(meta.get("with_problems").asInt()).isEqualTo(1);
        assertThat(meta.get("problems").get(0).get("id").asText()).isEqualTo("rep-nobrand");
        assertThat(meta.get("problems").get(0).get("field").asText()).isEqualTo("brand");
        JsonNode pinterest = r.get("platforms").get(3);
        assertThat(pinterest.get("problems").get(0).get("id").asText()).isEqualTo("rep-back");
        assertThat(pinterest.get("problems").get(0).get("field").asText()).isEqualTo("availability");
    }

    @Test
    void feedsAnswer304WhileTheCatalogIsUnchangedAndANewTagAfterAWriteOrDelete() throws Exception {
        Shop s = shop();
        upload(s, HEADER + row("etag-1", "5", "in_stock") + row("etag-2", "6", "in_stock"), 200);
        JsonNode feeds = Json.MAPPER.readTree(send("GET", s.api() + "/catalog/feeds", s.key(), null, null).body());
        String url = feeds.get("feeds").get(0).get("url").asText();
        HttpResponse<String> first = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        assertThat(etag).startsWith("\"google-1-");

        HttpResponse<String> same = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-None-Match", etag)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(same.headers().firstValue("ETag")).contains(etag);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-None-Match", "\"other\", W/" + etag)
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(304);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-Modified-Since", lastModified)
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(304);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-Modified-Since", "not a date")
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<String> gzip = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept-Encoding", "gzip")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gzip.headers().firstValue("ETag").orElseThrow()).as("another encoding, another tag").isNotEqualTo(etag);
        String meta = feeds.get("feeds").get(1).get("url").asText();
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(meta)).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as("another platform's tag").isEqualTo(200);

        assertThat(send("DELETE", s.api() + "/products/etag-2", s.key(), null, null).statusCode()).isEqualTo(204);
        HttpResponse<String> afterDelete = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(afterDelete.statusCode()).isEqualTo(200);
        assertThat(afterDelete.body()).contains("etag-1").doesNotContain("etag-2");
        String afterDeleteTag = afterDelete.headers().firstValue("ETag").orElseThrow();
        assertThat(afterDeleteTag).startsWith("\"google-2-");

        upload(s, HEADER + row("etag-1", "9", "in_stock"), 200);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-None-Match", afterDeleteTag).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // A failed write (nothing stored) leaves the tag as it was.
        upload(s, HEADER + row("etag-x", "bad", "in_stock"), 200);
        HttpResponse<String> now = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("If-None-Match", now.headers().firstValue("ETag").orElseThrow()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(304);
    }
}
