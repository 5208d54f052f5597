package io.rebound.server.campaign;

import io.rebound.core.event.Violation;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cart recovery links: the store's cart URL per platform (the demo shop, a Shopify cart permalink with
 * {@code ?discount=}, a WooCommerce add-to-cart URL with the coupon), the signature (any change is a
 * 400 page), the expiry to the second (410), field-named errors, and the key shared through the database.
 */
class RecoveryLinksTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path root;
    Database database;
    MutableClock clock;
    Vertx vertx;
    String base;
    String store;
    String key;

    @BeforeEach
    void start() {
        database = Database.embedded(root.resolve("meta"));
        StoreRepository stores = new JdbcStoreRepository(database);
        StoreRepository.Created a = stores.create("Yoga & Co", false);
        store = a.store().id();
        key = a.secretKey();
        clock = new MutableClock(T0);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ServerRoutes.recovery(io.rebound.server.config.ServerConfig.defaults(root.resolve("data")), database, stores, clock)
                .forEach(g -> g.accept(router));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        database.close();
    }

    private static RecoveryLinks.Cart cart(RecoveryLinks.Platform platform, String shop, String code,
                                           RecoveryLinks.Line... lines) {
        return new RecoveryLinks.Cart("st_1", platform, shop, List.of(lines), code, T0.plus(Duration.ofHours(48)));
    }

    @Test
    void eachPlatformGetsItsOwnCartUrlWithTheCode() {
        RecoveryLinks.Line mat = new RecoveryLinks.Line("yoga-mat", 1);
        RecoveryLinks.Line strap = new RecoveryLinks.Line("carry-strap", 2);
        assertThat(RecoveryLinks.target(cart(RecoveryLinks.Platform.DEMO, "", "RB-7K2M9QX4B1HTV0ZP", mat, strap)))
                .isEqualTo("/shop/cart/restore?items=yoga-mat:1,carry-strap:2&discount=RB-7K2M9QX4B1HTV0ZP");
        assertThat(RecoveryLinks.target(cart(RecoveryLinks.Platform.SHOPIFY, "https://yoga.myshopify.com/", "RB-1",
                new RecoveryLinks.Line("44012345678901", 1), new RecoveryLinks.Line("44012345678902", 3))))
                .isEqualTo("https://yoga.myshopify.com/cart/44012345678901:1,44012345678902:3?discount=RB-1");
        assertThat(RecoveryLinks.target(cart(RecoveryLinks.Platform.WOOCOMMERCE, "https://shop.example", "SAVE10",
                new RecoveryLinks.Line("123", 2))))
                .isEqualTo("https://shop.example/cart/?add-to-cart=123&quantity=2&coupon_code=SAVE10");
        assertThat(RecoveryLinks.target(cart(RecoveryLinks.Platform.WOOCOMMERCE, "https://shop.example", null,
                new RecoveryLinks.Line("123", 2), new RecoveryLinks.Line("456", 1))))
                .isEqualTo("https://shop.example/cart/?add-to-cart=123:2,456:1");
    }

    @Test
    void aSignedLinkLeadsToTheCartUntilItExpiresAndAnyChangeBreaksIt() {
        RecoveryLinks links = new RecoveryLinks(new byte[32]);
        RecoveryLinks.Cart c = cart(RecoveryLinks.Platform.DEMO, "", "RB-X", new RecoveryLinks.Line("yoga-mat", 1));
        String token = links.sign(c);
        assertThat(links.follow(token, T0)).isEqualTo(new RecoveryLinks.Valid(c, RecoveryLinks.target(c)));
        assertThat(links.follow(token, c.expiresAt().minusMillis(1))).isInstanceOf(RecoveryLinks.Valid.class);
        assertThat(links.follow(token, c.expiresAt())).isEqualTo(new RecoveryLinks.Expired(c.expiresAt()));

        String body = token.substring(0, token.indexOf('.'));
        String forged = new String(Base64.getUrlDecoder().decode(body), StandardCharsets.UTF_8).replace("RB-X", "RB-Y");
        String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes(StandardCharsets.UTF_8))
                + token.substring(token.indexOf('.'));
        assertThat(links.follow(tampered, T0)).isInstanceOf(RecoveryLinks.Invalid.class);
        assertThat(links.follow(token.substring(0, token.length() - 2), T0)).isInstanceOf(RecoveryLinks.Invalid.class);
        assertThat(links.follow("garbage", T0)).isInstanceOf(RecoveryLinks.Invalid.class);
        assertThat(links.follow("a.b", T0)).isInstanceOf(RecoveryLinks.Invalid.class);
        assertThat(links.follow("x".repeat(5000) + ".y", T0)).isInstanceOf(RecoveryLinks.Invalid.class);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThat(new RecoveryLinks(other).follow(token, T0)).as("another key").isInstanceOf(RecoveryLinks.Invalid.class);
    }

    @Test
    void aBadRequestNamesEveryField() {
        List<Violation> problems = new ArrayList<>();
        assertThat(RecoveryLinks.parse("st_1", Map.of("platform", "magento", "items", List.of(Map.of("id", "a b", "quantity", 0)),
                "code", "no spaces", "expires_hours", 1000, "colour", "red"), T0, problems)).isNull();
        assertThat(problems).extracting(Violation::field).containsExactlyInAnyOrder("colour", "platform",
                "items[0].id", "items[0].quantity", "code", "expires_hours");
        problems.clear();
        assertThat(RecoveryLinks.parse("st_1", Map.of("platform", "shopify", "items", List.of(Map.of("id", "1"))),
                T0, problems)).isNull();
        assertThat(problems).extracting(Violation::field).containsExactly("shop_url");
        problems.clear();
        assertThat(RecoveryLinks.parse("st_1", Map.of("platform", "demo", "items", List.of()), T0, problems)).isNull();
        assertThat(problems).extracting(Violation::field).containsExactly("items");
        problems.clear();
        RecoveryLinks.Cart ok = RecoveryLinks.parse("st_1", Map.of("platform", "woocommerce",
                "shop_url", "https://shop.example", "items", List.of(Map.of("id", "123"))), T0, problems);
        assertThat(problems).isEmpty();
        assertThat(ok.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(48)));
        assertThat(ok.lines()).containsExactly(new RecoveryLinks.Line("123", 1));
    }

    private HttpResponse<String> post(String path, String bearer, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApiSignsALinkThatRedirectsToTheShopsCartAndRefusesATamperedOrExpiredOne() throws Exception {
        HttpResponse<String> r = post("/api/v1/stores/" + store + "/recovery-links", key, """
                {"platform": "shopify", "shop_url": "https://yoga.myshopify.com",
                 "items": [{"id": "44012345678901", "quantity": 2}], "code": "RB-7K2M9QX4B1HTV0ZP", "expires_hours": 24}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        var json = io.rebound.server.json.Json.MAPPER.readTree(r.body());
        assertThat(json.path("target").asText()).isEqualTo("https://yoga.myshopify.com/cart/44012345678901:2?discount=RB-7K2M9QX4B1HTV0ZP");
        assertThat(json.path("expires_at").asText()).isEqualTo(T0.plus(Duration.ofHours(24)).toString());
        String url = json.path("url").asText();
        assertThat(url).startsWith(base + "/r/");

        HttpResponse<String> followed = get(url);
        assertThat(followed.statusCode()).isEqualTo(302);
        assertThat(followed.headers().firstValue("Location")).contains(json.path("target").asText());

        HttpResponse<String> broken = get(url.substring(0, url.length() - 3) + "AAA");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).contains("This link is not valid");

        clock.set(T0.plus(Duration.ofHours(24)));
        HttpResponse<String> expired = get(url);
        assertThat(expired.statusCode()).isEqualTo(410);
        assertThat(expired.body()).contains("This link has expired");

        HttpResponse<String> bad = post("/api/v1/stores/" + store + "/recovery-links", key,
                "{\"platform\": \"shopify\", \"items\": [{\"id\": \"1\", \"quantity\": 100}]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid_recovery_link").contains("\"field\":\"shop_url\"")
                .contains("items[0].quantity");
        assertThat(post("/api/v1/stores/" + store + "/recovery-links", "sk_wrong", "{}").statusCode()).isEqualTo(401);
        assertThat(RecoveryLinks.key(database.dataSource())).as("one key, read back by every node")
                .isEqualTo(RecoveryLinks.key(database.dataSource()));
    }
}
