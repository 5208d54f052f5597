package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny stand-in for the Rebound server in tests of this package: the demo shop, {@code /pixel.js},
 * a settings endpoint with a switchable "consent required" flag, and a collector that only records
 * what the pixel posted. Keeps these tests independent of the real collector.
 */
final class ShopTestServer implements AutoCloseable {

    static final String WRITE_KEY = "wk_test123";

    /** One POST the pixel made to {@code /v1/collect}. */
    record Collected(String contentType, JsonNode body) {
        List<JsonNode> messages() {
            return body.path("batch").valueStream().toList();
        }
    }

    final List<Collected> collected = new CopyOnWriteArrayList<>();
    volatile boolean consentRequired;
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    final DemoShop shop;

    ShopTestServer() {
        Router router = Router.router(vertx);
        byte[] pixel = io.rebound.server.http.OpsRoutes.pixelScript();
        router.get("/pixel.js").handler(ctx -> ctx.response().putHeader("Content-Type", "application/javascript")
                .end(Buffer.buffer(pixel)));
        router.get("/v1/projects/:key/settings").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end("{\"writeKey\":\"" + ctx.pathParam("key") + "\",\"rebound\":{\"consentRequired\":" + consentRequired + "}}"));
        router.post("/v1/collect").handler(BodyHandler.create()).handler(ctx -> {
            try {
                collected.add(new Collected(ctx.request().getHeader("Content-Type"), Json.MAPPER.readTree(ctx.body().asString())));
                ctx.response().putHeader("Content-Type", "application/json").end("{\"accepted\":1}");
            } catch (IOException e) {
                ctx.response().setStatusCode(400).end();
            }
        });
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        shop = new DemoShop(DemoCatalog.yogaShop(), baseUrl(), WRITE_KEY);
        shop.mount(router);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** All messages received so far, in arrival order. */
    List<JsonNode> messages() {
        return collected.stream().flatMap(c -> c.messages().stream()).toList();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
