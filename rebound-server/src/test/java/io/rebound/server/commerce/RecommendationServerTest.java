package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recommendations in the real embedded server (H2 metadata, embedded audiences): events in through
 * the collector, complements and rules through the API, and what each shopper is shown — with
 * another store's visitors, products and orders never showing through, and bad input refused by field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecommendationServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    private ReboundServer server;
    private StoreRepository.Created a;
    private StoreRepository.Created b;
    private String apiA;
    private String apiB;
    private String segment;

    private static HttpResponse<String> raw(String method, String url, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        r.header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode call(String method, String url, String key, String body, int expected) throws Exception {
        HttpResponse<String> resp = raw(method, url, key, body);
        assertThat(resp.statusCode()).as("%s %s: %s", method, url, resp.body()).isEqualTo(expected);
        return resp.body().isEmpty() ? null : Json.MAPPER.readTree(resp.body());
    }

    private static String product(String id, String price, String cost, String availability) {
        return ("{\"title\": \"%s\", \"description\": \"%s\", \"link\": \"https://shop.example/%s\","
                + " \"image_link\": \"https://shop.example/%s.jpg\", \"price\": \"%s\", \"cost\": \"%s\","
                + " \"currency\": \"USD\", \"availability\": \"%s\"}").formatted(id, id, id, id, price, cost, availability);
    }

    private void track(StoreRepository.Created store, String id, String visitor, String event, String... products)
            throws Exception {
        List<String> lines = new ArrayList<>();
        for (String p : products) {
            lines.add("{\"product_id\":\"" + p + "\",\"price\":10}");
        }
        call("POST", server.baseUrl() + "/v1/collect", null, "{\"writeKey\":\"" + store.store().writeKey()
                + "\",\"batch\":[{\"type\":\"track\",\"event\":\"" + event + "\",\"messageId\":\"" + id + "\","
                + "\"anonymousId\":\"" + visitor + "\",\"properties\":{\"products\":[" + String.join(",", lines)
                + "],\"currency\":\"USD\",\"value\":10}}]}", 200);
    }

    /** Polls until the answer satisfies {@code done} (events reach the audiences asynchronously). */
    private static JsonNode until(String url, String key, Predicate<JsonNode> done) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            HttpResponse<String> r = raw("GET", url, key, null);
            JsonNode n = r.statusCode() == 200 ? Json.MAPPER.readTree(r.body()) : null;
            if (n != null && done.test(n)) {
                return n;
            }
            assertThat(System.currentTimeMillis()).as("%s: %s", url, r.body()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static List<String> picks(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("recommendations").forEach(r -> out.add(r.get("product_id").asText() + ":" + r.get("reason").asText()
                + (r.has("related_to") ? ":" + r.get("related_to").asText() : "")));
        return out;
    }

    @BeforeAll
    void start() throws Exception {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0));
        a = server.stores().create("Yoga & Co", false);
        b = server.stores().create("Other shop", false);
        apiA = server.baseUrl() + "/api/v1/stores/" + a.store().id();
        apiB = server.baseUrl() + "/api/v1/stores/" + b.store().id();
        call("PUT", apiA + "/products/mat", a.secretKey(), product("mat", "68.00", "21.00", "in_stock"), 201);
        call("PUT", apiA + "/products/block", a.secretKey(), product("block", "20.00", "8.00", "in_stock"), 201);
        call("PUT", apiA + "/products/strap", a.secretKey(), product("strap", "12.00", "3.00", "in_stock"), 201);
        call("PUT", apiA + "/products/towel", a.secretKey(), product("towel", "30.00", "6.00", "out_of_stock"), 201);
        call("PUT", apiA + "/products/bottle", a.secretKey(), product("bottle", "10.00", "8.00", "in_stock"), 201);
        call("PUT", apiB + "/products/bottle", b.secretKey(), product("bottle", "10.00", "1.00", "in_stock"), 201);
        call("PUT", apiB + "/products/mat", b.secretKey(), product("mat", "50.00", "1.00", "in_stock"), 201);
        call("PUT", apiA + "/products/mat/complements", a.secretKey(),
                "{\"complements\": [\"block\", \"towel\", \"strap\"]}", 200);
        segment = call("POST", apiA + "/segments", a.secretKey(),
                "{\"template\": \"product_viewers\", \"within_days\": 14, \"product_id\": \"block\"}", 201)
                .get("id").asText();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"ready".equals(call("GET", apiA + "/segments/" + segment, a.secretKey(), null, 200).get("status").asText())) {
            assertThat(System.currentTimeMillis()).as("segment ready").isLessThan(deadline);
            Thread.sleep(50);
        }
        // Two other orders hold the mat and the bottle: co-purchased. One order of mat + block is chance.
        track(a, "o1", "someone-1", "Order Completed", "mat", "bottle");
        track(a, "o2", "someone-2", "Order Completed", "bottle", "mat");
        track(a, "o3", "someone-3", "Order Completed", "mat", "block");
        track(a, "o4", "buyer", "Order Completed", "mat");
        track(a, "v1", "abandoner", "Product Viewed", "block");
        track(a, "c1", "abandoner", "Product Added", "strap");
        track(a, "c2", "abandoner", "Product Added", "towel");
        // Store B: the same visitor ids, its own events.
        track(b, "b1", "abandoner", "Product Viewed", "strap");
        track(b, "b2", "buyer", "Order Completed", "mat");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBuyerIsShownTheStoresComplementsInStockThenWhatOthersBoughtWithIt() throws Exception {
        JsonNode r = until(apiA + "/visitors/buyer/recommendations", a.secretKey(), n -> picks(n).size() == 3);
        assertThat(picks(r)).containsExactly("block:complement:mat", "strap:complement:mat", "bottle:co_purchased:mat");
        assertThat(r.at("/recommendations/0/title").asText()).isEqualTo("block");
        assertThat(r.at("/recommendations/0/price").asText()).isEqualTo("20.00");
        assertThat(r.at("/recommendations/0/link").asText()).isEqualTo("https://shop.example/block");
    }

    @Test
    void anAbandonerIsShownTheCartThenWhatTheyViewedAndOnlySegmentMembersGetSegmentCreative() throws Exception {
        JsonNode r = until(apiA + "/visitors/abandoner/recommendations?segment=" + segment, a.secretKey(),
                n -> n.at("/segment/member").asBoolean() && picks(n).size() == 2);
        // The towel is in the cart too, but out of stock.
        assertThat(picks(r)).containsExactly("strap:carted", "block:viewed");
        assertThat(r.at("/segment/id").asText()).isEqualTo(segment);
        JsonNode buyer = call("GET", apiA + "/visitors/buyer/recommendations?segment=" + segment, a.secretKey(), null, 200);
        assertThat(buyer.at("/segment/member").asBoolean()).isFalse();
        assertThat(buyer.get("recommendations")).isEmpty();
        JsonNode one = call("GET", apiA + "/visitors/abandoner/recommendations?limit=1", a.secretKey(), null, 200);
        assertThat(picks(one)).containsExactly("strap:carted");
    }

    @Test
    void aMarginFloorLeavesOutWhatEarnsTooLittle() throws Exception {
        until(apiA + "/visitors/buyer/recommendations", a.secretKey(), n -> picks(n).size() == 3);
        try {
            JsonNode rules = call("PUT", apiA + "/recommendations/rules", a.secretKey(),
                    "{\"in_stock_only\": true, \"min_margin_percent\": 50}", 200);
            assertThat(rules.get("min_margin_percent").asText()).isEqualTo("50.00");
            assertThat(call("GET", apiA + "/recommendations/rules", a.secretKey(), null, 200)
                    .get("min_margin_percent").asText()).isEqualTo("50.00");
            // The bottle earns 20 %.
            assertThat(picks(call("GET", apiA + "/visitors/buyer/recommendations", a.secretKey(), null, 200)))
                    .containsExactly("block:complement:mat", "strap:complement:mat");
            call("PUT", apiA + "/recommendations/rules", a.secretKey(), "{\"in_stock_only\": false}", 200);
            assertThat(picks(call("GET", apiA + "/visitors/buyer/recommendations", a.secretKey(), null, 200)))
                    .containsExactly("block:complement:mat", "towel:complement:mat", "strap:complement:mat",
                            "bottle:co_purchased:mat");
        } finally {
            call("PUT", apiA + "/recommendations/rules", a.secretKey(), "{\"in_stock_only\": true}", 200);
        }
    }

    @Test
    void theSegmentsProductSetIsServedAsIdsAndAsASupplementalFeed() throws Exception {
        JsonNode set = until(apiA + "/segments/" + segment + "/product-set", a.secretKey(),
                n -> n.get("products").size() == 2);
        assertThat(set.get("members_counted").asInt()).isEqualTo(1);
        assertThat(set.at("/products/0/product_id").asText()).isEqualTo("strap");
        assertThat(set.at("/products/0/carted").asInt()).isEqualTo(1);
        assertThat(set.at("/products/1/product_id").asText()).isEqualTo("block");
        String token = call("GET", apiA + "/catalog/feeds", a.secretKey(), null, 200).at("/feeds/0/url").asText()
                .replaceAll(".*token=", "");
        String feed = server.baseUrl() + "/feeds/" + a.store().id() + "/sets/" + segment + ".csv?token=" + token;
        HttpResponse<String> csv = raw("GET", feed + "&label=2", null, null);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).contains("text/csv; charset=utf-8");
        assertThat(csv.body()).isEqualTo("id,custom_label_2\r\nstrap," + segment + "\r\nblock," + segment + "\r\n");
        assertThat(raw("GET", feed.replace(token, "x" + token.substring(1)), null, null).statusCode()).isEqualTo(404);
        assertThat(raw("GET", feed + "&label=5", null, null).statusCode()).isEqualTo(404);
        assertThat(raw("GET", feed.replace(segment + ".csv", "seg_nope.csv"), null, null).statusCode()).isEqualTo(404);
        // Store B's token does not open store A's sets.
        String tokenB = call("GET", apiB + "/catalog/feeds", b.secretKey(), null, 200).at("/feeds/0/url").asText()
                .replaceAll(".*token=", "");
        assertThat(raw("GET", feed.replace(token, tokenB), null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void anotherStoresVisitorsProductsAndOrdersNeverShowThrough() throws Exception {
        // B's buyer bought B's mat: B has no complements and no co-purchases of its own, and A's orders do not count.
        until(apiB + "/visitors/abandoner/recommendations", b.secretKey(), n -> true);
        JsonNode buyerB = until(apiB + "/visitors/buyer/recommendations", b.secretKey(), n -> true);
        assertThat(picks(buyerB)).isEmpty();
        // B's abandoner viewed "strap", which only A's catalog has.
        assertThat(picks(call("GET", apiB + "/visitors/abandoner/recommendations", b.secretKey(), null, 200))).isEmpty();
        // A's key on B's paths, and B's key on A's, are the 404 of a store that does not exist.
        assertThat(raw("GET", apiA + "/visitors/abandoner/recommendations", b.secretKey(), null).statusCode()).isEqualTo(404);
        assertThat(raw("GET", apiB + "/products/mat/complements", a.secretKey(), null).statusCode()).isEqualTo(404);
        // A's segment is no segment of B's.
        JsonNode e = call("GET", apiB + "/visitors/abandoner/recommendations?segment=" + segment, b.secretKey(), null, 404);
        assertThat(e.get("error").asText()).isEqualTo("segment_not_found");
        // A product of A's catalog only cannot get complements in B.
        e = call("PUT", apiB + "/products/block/complements", b.secretKey(), "{\"complements\": [\"mat\"]}", 404);
        assertThat(e.get("error").asText()).isEqualTo("product_not_found");
        assertThat(call("GET", apiA + "/products/mat/complements", a.secretKey(), null, 200).get("complements"))
                .hasSize(3);
        assertThat(call("GET", apiB + "/products/mat/complements", b.secretKey(), null, 200).get("complements"))
                .isEmpty();
    }

    @Test
    void aCampaignOnASegmentNamingNoProductShowsEachPersonTheirOwnProductSet() throws Exception {
        String abandoners = readySegment("{\"template\": \"cart_abandoners\"}");
        String purchasers = readySegment("{\"template\": \"past_purchasers\"}");
        for (String seg : List.of(abandoners, purchasers)) {
            call("POST", apiA + "/campaigns", a.secretKey(), """
                    {"name": "Come back %s", "segment_id": "%s", "channels": {"onsite": true},
                     "touches": [{"after_hours": 0, "creative": {"products": "segment", "headline": "For you"}}],
                     "holdout_percent": 0}""".formatted(seg, seg), 201);
        }
        // The abandoner sees the product left behind (the towel, also left, is out of stock).
        JsonNode left = until(apiA + "/decide?visitor=abandoner&placement=home_banner", a.secretKey(),
                n -> n.get("decisions") != null && !n.get("decisions").isEmpty()).get("decisions").get(0);
        assertThat(left.at("/creative/products/0/id").asText()).isEqualTo("strap");
        assertThat(left.at("/creative/products/0/title").asText()).isEqualTo("strap");
        // The purchaser sees related items: the store's complements, then what others bought with the mat.
        JsonNode related = until(apiA + "/decide?visitor=buyer&placement=home_banner", a.secretKey(),
                n -> n.get("decisions") != null && !n.get("decisions").isEmpty()).get("decisions").get(0);
        List<String> ids = new ArrayList<>();
        related.at("/creative/products").forEach(p -> ids.add(p.get("id").asText()));
        assertThat(ids).containsExactly("block", "strap", "bottle");
    }

    private String readySegment(String body) throws Exception {
        String id = call("POST", apiA + "/segments", a.secretKey(), body, 201).get("id").asText();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"ready".equals(call("GET", apiA + "/segments/" + id, a.secretKey(), null, 200).get("status").asText())) {
            assertThat(System.currentTimeMillis()).as("segment ready").isLessThan(deadline);
            Thread.sleep(50);
        }
        return id;
    }

    @Test
    void badInputIsRefusedNamingTheField() throws Exception {
        String rec = apiA + "/visitors/abandoner/recommendations";
        assertThat(call("GET", rec + "?limit=0", a.secretKey(), null, 400).get("field").asText()).isEqualTo("limit");
        assertThat(call("GET", rec + "?limit=51", a.secretKey(), null, 400).get("field").asText()).isEqualTo("limit");
        assertThat(call("GET", rec + "?segment=" + "s".repeat(65), a.secretKey(), null, 400).get("field").asText())
                .isEqualTo("segment");
        assertThat(call("GET", rec + "?segment=seg_nope", a.secretKey(), null, 404).get("error").asText())
                .isEqualTo("segment_not_found");
        assertThat(call("GET", apiA + "/visitors/nobody/recommendations", a.secretKey(), null, 404).get("error").asText())
                .isEqualTo("visitor_not_found");
        assertThat(call("GET", apiA + "/visitors/" + "v".repeat(201) + "/recommendations", a.secretKey(), null, 400)
                .get("field").asText()).isEqualTo("visitor");
        assertThat(raw("GET", rec, null, null).statusCode()).isEqualTo(401);

        String comp = apiA + "/products/mat/complements";
        StringBuilder many = new StringBuilder("{\"complements\": [");
        for (int i = 0; i < 21; i++) {
            many.append(i == 0 ? "" : ",").append("\"p").append(i).append('"');
        }
        assertThat(call("PUT", comp, a.secretKey(), many + "]}", 400).get("field").asText()).isEqualTo("complements");
        assertThat(call("PUT", comp, a.secretKey(), "{\"complements\": [\"bad id\"]}", 400).get("field").asText())
                .isEqualTo("complements[0]");
        assertThat(call("PUT", comp, a.secretKey(), "{\"complements\": [\"block\", \"mat\"]}", 400).get("field").asText())
                .isEqualTo("complements[1]");
        assertThat(call("PUT", comp, a.secretKey(), "{\"complements\": [\"block\", \"block\"]}", 400).get("field").asText())
                .isEqualTo("complements[1]");
        assertThat(call("PUT", comp, a.secretKey(), "{\"complement\": []}", 400).get("field").asText())
                .isEqualTo("complement");
        assertThat(call("PUT", comp, a.secretKey(), "[]", 400).get("field").asText()).isEqualTo("body");
        assertThat(call("PUT", apiA + "/products/nope/complements", a.secretKey(), "{\"complements\": []}", 404)
                .get("error").asText()).isEqualTo("product_not_found");

        String rules = apiA + "/recommendations/rules";
        assertThat(call("PUT", rules, a.secretKey(), "{\"in_stock_only\": true, \"min_margin_percent\": 101}", 400)
                .get("field").asText()).isEqualTo("min_margin_percent");
        assertThat(call("PUT", rules, a.secretKey(), "{\"in_stock_only\": true, \"min_margin_percent\": 10.555}", 400)
                .get("field").asText()).isEqualTo("min_margin_percent");
        assertThat(call("PUT", rules, a.secretKey(), "{\"min_margin_percent\": 10}", 400).get("field").asText())
                .isEqualTo("in_stock_only");
        assertThat(call("PUT", rules, a.secretKey(), "{\"in_stock_only\": true, \"floor\": 1}", 400).get("field").asText())
                .isEqualTo("floor");
        // Nothing of the refused writes was kept.
        assertThat(call("GET", comp, a.secretKey(), null, 200).get("complements")).hasSize(3);
        assertThat(call("GET", rules, a.secretKey(), null, 200).get("in_stock_only").asBoolean()).isTrue();
    }
}
