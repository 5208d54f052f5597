package io.rebound.server.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.campaign.Holdout;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.EmbeddedAudiences;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.json.Json;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The campaign and decision APIs over real HTTP, on the embedded audience runtime (file log,
 * RocksDB) and H2, with the catalog: the seed's yoga campaign from reminder to offer code, holdout,
 * conversion, caps, field-named errors and tenant isolation.
 */
class CampaignApiTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int VISITORS = 40;

    @TempDir
    static Path root;
    private static Database database;
    private static MutableClock clock;
    private static FileEventLog log;
    private static RocksDatabase rocks;
    private static RocksDatabase indexRocks;
    private static EventIndexer indexer;
    private static EmbeddedAudienceRuntime runtime;
    private static Audiences audiences;
    private static Vertx vertx;
    private static String base;
    private static String storeA;
    private static String keyA;
    private static String writeKeyA;
    private static String storeB;
    private static String keyB;
    private static String segment;
    private static String segmentB;

    @BeforeAll
    static void start() throws Exception {
        database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        StoreRepository.Created b = stores.create("Store B", false);
        storeA = a.store().id();
        keyA = a.secretKey();
        writeKeyA = a.store().writeKey();
        storeB = b.store().id();
        keyB = b.secretKey();
        clock = new MutableClock(T0);
        log = new FileEventLog(root.resolve("log"), false);
        rocks = new RocksDatabase(root.resolve("state"), AudienceColumns.ALL);
        runtime = new EmbeddedAudienceRuntime(log.records(), rocks, new SegmentRepository(database.dataSource()),
                id -> Optional.empty(), clock);
        indexRocks = new RocksDatabase(root.resolve("index"), EventIndexer.COLUMN_FAMILIES);
        indexer = new EventIndexer(log.records(), indexRocks, new SimpleMeterRegistry());
        audiences = new EmbeddedAudiences(runtime, indexer);

        JdbcCatalog catalog = new JdbcCatalog(database.dataSource(), clock);
        catalog.upsert(storeA, product("yoga-mat", "68.00", "20.00"));
        catalog.upsert(storeA, product("yoga-block", "18.00", "5.00"));
        catalog.upsert(storeA, product("yoga-strap", "12.00", null));
        catalog.upsert(storeA, product("cheap-towel", "10.00", "9.50"));

        List<Event> events = new ArrayList<>();
        for (int i = 0; i < VISITORS; i++) {
            events.add(view("v" + i, T0.minus(Duration.ofDays(1))));
        }
        for (String v : List.of("buyer", "towel", "b0")) {
            events.add(view(v, T0.minus(Duration.ofDays(1))));
        }
        events.add(Event.builder(storeB, "e-b0", EventType.VIEW_CONTENT, T0.minus(Duration.ofDays(1)), T0)
                .anonymousId("b0").products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build());
        log.append(events).join();
        runtime.sync();
        Map<String, Object> viewers = Map.of("name", "Viewed the yoga mat, no add to cart",
                "include", List.of(Map.of("event", "ViewContent", "within_days", 14, "where", Map.of("product_id", "yoga-mat"))),
                "exclude", List.of(Map.of("event", "AddToCart", "within_days", 14, "where", Map.of("product_id", "yoga-mat"))));
        segment = audiences.createSegment(storeA, SegmentDefinitions.parse(viewers), null).id();
        runtime.backfillDone(storeA, segment).join();
        segmentB = audiences.createSegment(storeB, SegmentDefinitions.parse(viewers), null).id();
        runtime.backfillDone(storeB, segmentB).join();

        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ServerRoutes.campaigns(database, stores, audiences, clock).forEach(g -> g.accept(router));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        indexer.close();
        indexRocks.close();
        runtime.close();
        rocks.close();
        log.close();
        database.close();
    }

    private static CatalogProduct product(String id, String price, String cost) {
        return CatalogProduct.builder(id).title("Title of " + id).description("About " + id)
                .link("https://shop.example/p/" + id).imageLink("https://shop.example/i/" + id + ".jpg")
                .price(new BigDecimal(price), "USD").availability(Availability.IN_STOCK)
                .cost(cost == null ? null : new BigDecimal(cost)).build();
    }

    private static Event view(String visitor, Instant at) {
        return Event.builder(storeA, "view-" + visitor, EventType.VIEW_CONTENT, at, at).anonymousId(visitor)
                .products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build();
    }

    record Response(int status, JsonNode json) {
    }

    static Response send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(resp.statusCode(), resp.body().isEmpty() ? null : Json.MAPPER.readTree(resp.body()));
    }

    /** The seed's campaign on {@code placement}: the carousel as a reminder at once, 10 % off orders over $50 after 72 h. */
    static String yoga(String segmentId, String placement, String offerProducts, int holdout) {
        return """
                {"name": "Yoga mat viewers", "segment_id": "%s",
                 "channels": {"ads": [], "email": false, "onsite": ["%s"]},
                 "touches": [
                   {"after_hours": 0, "creative": {"products": ["yoga-mat", "yoga-block", "yoga-strap"], "headline": "Still thinking about it?"}},
                   {"after_hours": 72, "creative": {"products": %s, "headline": "10 %% off your mat"},
                    "offer": {"percent": 10, "minimum_order": {"amount": 50, "currency": "USD"}, "expires_hours": 48}}
                 ],
                 "holdout_percent": %d}""".formatted(segmentId, placement, offerProducts, holdout);
    }

    private static String create(String body) throws Exception {
        Response r = send("POST", "/api/v1/stores/" + storeA + "/campaigns", keyA, body);
        assertThat(r.status()).as("create: %s", r.json()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    private static JsonNode decide(String visitor, String placement) throws Exception {
        Response r = send("GET", "/api/v1/stores/" + storeA + "/decide?visitor=" + visitor + "&placement=" + placement, keyA, null);
        assertThat(r.status()).as("decide: %s", r.json()).isEqualTo(200);
        return r.json();
    }

    private static JsonNode only(JsonNode answer) {
        assertThat(answer.get("decisions")).as("decisions of %s", answer).hasSize(1);
        return answer.get("decisions").get(0);
    }

    @Test
    void theYogaCampaignRemindsFirstThenIssuesOneCodePerPersonAndHoldsOutItsShare() throws Exception {
        String id = create(yoga(segment, "flow", "\"segment\"", 10));
        int held = 0;
        for (int i = 0; i < VISITORS; i++) {
            JsonNode answer = decide("v" + i, "flow");
            JsonNode d = only(answer);
            String person = answer.get("person_id").asText();
            if (Holdout.isHeldOut(id, person, 1_000)) {
                held++;
                assertThat(d.get("reason").asText()).isEqualTo("holdout");
                assertThat(d.get("touch").isNull()).isTrue();
                assertThat(d.has("creative")).isFalse();
            } else {
                assertThat(d.get("reason").asText()).isEqualTo("reminder");
                assertThat(d.get("touch").asInt()).isZero();
                assertThat(d.has("offer")).isFalse();
                JsonNode products = d.at("/creative/products");
                assertThat(products).hasSize(3);
                assertThat(products.get(0).get("title").asText()).isEqualTo("Title of yoga-mat");
                assertThat(products.get(0).get("price").asText()).isEqualTo("68.00");
                assertThat(products.get(1).get("image_link").asText()).isEqualTo("https://shop.example/i/yoga-block.jpg");
                assertThat(d.get("next_at").asText()).isEqualTo(T0.plus(Duration.ofHours(72)).toString());
            }
        }
        assertThat(held).isLessThan(VISITORS / 2);

        // 72 hours after joining: the offer touch, with the segment's product set (the mat).
        clock.set(T0.plus(Duration.ofHours(72)));
        runtime.sync();
        Set<String> codes = new HashSet<>();
        int offered = 0;
        for (int i = 0; i < VISITORS; i++) {
            JsonNode answer = decide("v" + i, "flow");
            JsonNode d = only(answer);
            if (Holdout.isHeldOut(id, answer.get("person_id").asText(), 1_000)) {
                assertThat(d.get("reason").asText()).isEqualTo("holdout");
                continue;
            }
            assertThat(d.get("reason").asText()).isEqualTo("offer");
            assertThat(d.at("/creative/products/0/id").asText()).isEqualTo("yoga-mat");
            String code = d.at("/offer/code").asText();
            assertThat(code).matches("RB-[0-9A-HJKMNP-TV-Z]{16}");
            assertThat(d.at("/offer/percent").asInt()).isEqualTo(10);
            assertThat(d.at("/offer/minimum_order/amount").asText()).isEqualTo("50");
            assertThat(d.at("/offer/expires_at").asText()).isEqualTo(T0.plus(Duration.ofHours(120)).toString());
            codes.add(code);
            offered++;
            // Asked again: the same code, never a second one.
            JsonNode again = only(decide("v" + i, "flow"));
            assertThat(again.get("reason").asText()).isEqualTo("offer_active");
            assertThat(again.at("/offer/code").asText()).isEqualTo(code);
        }
        assertThat(codes).hasSize(offered);

        // The third answer of the day reaches the default cap of 3; the fourth shows nothing.
        String treated = null;
        int heldAgain = 0;
        for (int i = 0; i < VISITORS && treated == null; i++) {
            JsonNode answer = decide("v" + i, "flow");
            if ("holdout".equals(only(answer).get("reason").asText())) {
                heldAgain++;
            } else {
                treated = "v" + i;
            }
        }
        assertThat(only(decide(treated, "flow")).get("reason").asText()).isEqualTo("capped");

        // Once the code expired: a reminder.
        clock.set(T0.plus(Duration.ofHours(120)));
        runtime.sync();
        JsonNode expired = only(decide(treated, "flow"));
        assertThat(expired.get("reason").asText()).isEqualTo("offer_expired");
        assertThat(expired.has("offer")).isFalse();

        JsonNode stats = send("GET", "/api/v1/stores/" + storeA + "/campaigns/" + id + "/stats", keyA, null).json();
        assertThat(stats.at("/touches/0/reasons/reminder").asLong()).isEqualTo(VISITORS - held);
        assertThat(stats.at("/touches/1/offers_issued").asLong()).isEqualTo(offered);
        assertThat(stats.at("/touches/1/reasons/offer").asLong()).isEqualTo(offered);
        assertThat(stats.at("/touches/1/reasons/offer_active").asLong()).isEqualTo(offered + 1L);
        assertThat(stats.at("/touches/1/kind").asText()).isEqualTo("offer");
        assertThat(stats.at("/not_shown/holdout").asLong()).isEqualTo(held * 2L + heldAgain);
        assertThat(stats.at("/not_shown/capped").asLong()).isEqualTo(1);
    }

    @Test
    void aBuyerGetsNothingAndTheMarginGuardTurnsAnOfferIntoAReminder() throws Exception {
        String id = create(yoga(segment, "guard", "[\"cheap-towel\"]", 0));
        log.append(List.of(Event.builder(storeA, "buy-1", EventType.PURCHASE, clock.instant(), clock.instant())
                .anonymousId("buyer").products(List.of(new Product("yoga-mat", "mats", new BigDecimal("68"), 1))).build())).join();
        runtime.sync();
        JsonNode bought = only(decide("buyer", "guard"));
        assertThat(bought.get("campaign_id").asText()).isEqualTo(id);
        assertThat(bought.get("reason").asText()).isEqualTo("converted");
        assertThat(bought.has("creative")).isFalse();

        // 10 % off the towel (10.00, cost 9.50) would sell it at 9.00: below cost.
        clock.set(clock.instant().plus(Duration.ofHours(72)));
        runtime.sync();
        JsonNode guarded = only(decide("towel", "guard"));
        assertThat(guarded.get("reason").asText()).isEqualTo("margin_guard");
        assertThat(guarded.get("touch").asInt()).isEqualTo(1);
        assertThat(guarded.has("offer")).isFalse();
        assertThat(guarded.at("/creative/products/0/id").asText()).isEqualTo("cheap-towel");
    }

    @Test
    void campaignsAreCreatedListedReplacedPausedResumedAndDeleted() throws Exception {
        String id = create(yoga(segment, "life", "\"segment\"", 10));
        String path = "/api/v1/stores/" + storeA + "/campaigns/" + id;
        Response got = send("GET", path, keyA, null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("status").asText()).isEqualTo("active");
        assertThat(got.json().at("/definition/holdout_percent").asInt()).isEqualTo(10);
        assertThat(got.json().at("/definition/caps/per_person_per_day").asInt()).isEqualTo(3);
        assertThat(got.json().at("/definition/touches/1/offer/percent").asInt()).isEqualTo(10);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/campaigns", keyA, null).json().get("campaigns")
                .findValuesAsText("id")).contains(id);

        Response put = send("PUT", path, keyA, yoga(segment, "life", "\"segment\"", 20).replace("Yoga mat viewers", "Renamed"));
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().get("name").asText()).isEqualTo("Renamed");
        assertThat(put.json().at("/definition/holdout_percent").asInt()).isEqualTo(20);

        assertThat(send("POST", path + "/pause", keyA, null).json().get("status").asText()).isEqualTo("paused");
        assertThat(decide("v1", "life").get("decisions")).isEmpty();
        assertThat(send("POST", path + "/resume", keyA, null).json().get("status").asText()).isEqualTo("active");
        assertThat(decide("v1", "life").get("decisions")).hasSize(1);

        assertThat(send("DELETE", path, keyA, null).status()).isEqualTo(204);
        assertThat(send("GET", path, keyA, null).status()).isEqualTo(404);
        assertThat(decide("v1", "life").get("decisions")).isEmpty();
    }

    @Test
    void aBadCampaignIsA400NamingEveryField() throws Exception {
        String body = yoga(segment, "bad", "\"segment\"", 60).replace("\"percent\": 10", "\"percent\": 95")
                .replace("\"after_hours\": 72", "\"after_hours\": 0");
        Response r = send("POST", "/api/v1/stores/" + storeA + "/campaigns", keyA, body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_campaign");
        List<String> fields = new ArrayList<>();
        r.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertThat(fields).containsExactlyInAnyOrder("holdout_percent", "touches[1].offer.percent", "touches[1].after_hours");

        Response unknownSegment = send("POST", "/api/v1/stores/" + storeA + "/campaigns", keyA, yoga("seg_nope", "bad", "\"segment\"", 10));
        assertThat(unknownSegment.status()).isEqualTo(400);
        assertThat(unknownSegment.json().get("field").asText()).isEqualTo("segment_id");
        // Store B's segment is not store A's.
        Response foreign = send("POST", "/api/v1/stores/" + storeA + "/campaigns", keyA, yoga(segmentB, "bad", "\"segment\"", 10));
        assertThat(foreign.json().get("field").asText()).isEqualTo("segment_id");

        Response notJson = send("POST", "/api/v1/stores/" + storeA + "/campaigns", keyA, "{\"name\":");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().get("field").asText()).isEqualTo("body");

        Response noVisitor = send("GET", "/api/v1/stores/" + storeA + "/decide?placement=home", keyA, null);
        assertThat(noVisitor.status()).isEqualTo(400);
        assertThat(noVisitor.json().get("field").asText()).isEqualTo("visitor");
        Response badPlacement = send("GET", "/api/v1/stores/" + storeA + "/decide?visitor=v1&placement=Home%20Page", keyA, null);
        assertThat(badPlacement.json().get("field").asText()).isEqualTo("placement");
        JsonNode unknown = decide("nobody", "home");
        assertThat(unknown.get("reason").asText()).isEqualTo("unknown_visitor");
        assertThat(unknown.get("decisions")).isEmpty();
    }

    @Test
    void anotherStoresKeySeesNothingAndTheWriteKeyDecidesNothing() throws Exception {
        String id = create(yoga(segment, "tenant", "\"segment\"", 10));
        String path = "/api/v1/stores/" + storeA + "/campaigns/" + id;
        for (String[] call : new String[][]{{"GET", path}, {"PUT", path}, {"DELETE", path}, {"POST", path + "/pause"},
                {"GET", path + "/stats"}, {"GET", "/api/v1/stores/" + storeA + "/campaigns"},
                {"GET", "/api/v1/stores/" + storeA + "/decide?visitor=v1&placement=tenant"}}) {
            Response r = send(call[0], call[1], keyB, "PUT".equals(call[0]) ? yoga(segment, "tenant", "\"segment\"", 10) : null);
            assertThat(r.status()).as("%s %s with store B's key", call[0], call[1]).isEqualTo(404);
            assertThat(send(call[0], call[1], null, null).status()).isEqualTo(401);
        }
        // Store B's own path does not reach store A's campaign either.
        assertThat(send("GET", "/api/v1/stores/" + storeB + "/campaigns/" + id, keyB, null).status()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/stores/" + storeA + "/decide?visitor=v1&placement=tenant", writeKeyA, null)
                .status()).isEqualTo(401);
        assertThat(send("GET", path, keyA, null).json().get("status").asText()).isEqualTo("active");
    }
}
