package io.rebound.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.event.EventVocabulary;
import io.rebound.server.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficSimulatorTest {

    private static final String KEY = "wk_sim";
    private final Vertx vertx = Vertx.vertx();
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttleFirst = new AtomicInteger();
    private HttpServer server;

    @BeforeEach
    void start() {
        Router router = Router.router(vertx);
        String expectedAuth = "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
        router.post("/v1/batch").handler(BodyHandler.create()).handler(ctx -> {
            if (throttleFirst.getAndDecrement() > 0) {
                ctx.response().setStatusCode(429).putHeader("Retry-After", "0").end();
                return;
            }
            if (!expectedAuth.equals(ctx.request().getHeader("Authorization"))) {
                problems.add("auth: " + ctx.request().getHeader("Authorization"));
            }
            if (!String.valueOf(ctx.request().getHeader("Content-Type")).startsWith("application/json")) {
                problems.add("content type");
            }
            try {
                JsonNode body = Json.MAPPER.readTree(ctx.body().asString());
                bodies.add(body);
                int n = body.path("batch").size();
                // Reject the first message of every batch, to check the per-index accounting.
                ctx.response().putHeader("Content-Type", "application/json")
                        .end("{\"accepted\":" + (n - 1) + ",\"rejected\":[{\"index\":0,\"field\":\"x\",\"message\":\"test\"}]}");
            } catch (Exception e) {
                problems.add("json: " + e);
                ctx.response().setStatusCode(400).end();
            }
        });
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    private List<JsonNode> messages() {
        List<JsonNode> all = new ArrayList<>();
        bodies.forEach(b -> b.path("batch").forEach(all::add));
        return all;
    }

    @Test
    void historyIsSegmentShapedBackdatedBatchedAndFollowsTheFunnel() {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        TrafficSimulator.Summary summary = new TrafficSimulator(base(), KEY, DemoCatalog.yogaShop(), 7).runHistory(now, 30, 2000);

        assertThat(problems).isEmpty();
        List<JsonNode> messages = messages();
        assertThat(bodies).allSatisfy(b -> {
            assertThat(b.path("batch").size()).isBetween(1, 100);
            assertThat(b.path("sentAt").asText()).isNotBlank();
        });
        Set<String> ids = new HashSet<>();
        Map<String, Set<String>> visitorsByType = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (JsonNode m : messages) {
            assertThat(m.path("type").asText()).isIn("track", "page", "identify");
            assertThat(ids.add(m.path("messageId").asText())).as("unique messageId").isTrue();
            assertThat(m.path("anonymousId").asText()).isNotBlank();
            Instant t = Instant.parse(m.path("timestamp").asText());
            assertThat(t).isBetween(now.minus(Duration.ofDays(30)), now);
            assertThat(m.path("context").path("userAgent").asText()).startsWith("Mozilla/5.0");
            assertThat(m.path("traits").path("email_sha256").asText("")).matches("|[0-9a-f]{64}");
            String type = switch (m.path("type").asText()) {
                case "page" -> "PageView";
                case "identify" -> "Identify";
                default -> EventVocabulary.typeOf(m.path("event").asText()).canonicalName();
            };
            names.add(m.path("event").asText());
            visitorsByType.computeIfAbsent(type, k -> new HashSet<>()).add(m.path("anonymousId").asText());
        }
        // All three vocabularies are exercised.
        assertThat(names).contains("ViewContent", "view_item", "Product Viewed", "Purchase", "purchase", "Order Completed");
        int visitors = visitorsByType.get("PageView").size();
        assertThat(visitors).isEqualTo(2000);
        assertThat(share(visitorsByType, "ViewContent", visitors)).isBetween(0.52, 0.68);
        assertThat(share(visitorsByType, "AddToCart", visitors)).isBetween(0.11, 0.19);
        assertThat(share(visitorsByType, "InitiateCheckout", visitors)).isBetween(0.035, 0.085);
        assertThat(share(visitorsByType, "Purchase", visitors)).isBetween(0.015, 0.045);
        assertThat(visitorsByType.get("RemoveFromCart")).isNotEmpty();

        assertThat(summary.totalSent()).isEqualTo(messages.size());
        assertThat(summary.totalRejected()).isEqualTo(bodies.size());
        assertThat(summary.totalAccepted()).isEqualTo(messages.size() - bodies.size());
        assertThat(summary.sent()).containsKeys("PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Identify", "Purchase");
        assertThat(summary.failedBatches()).isZero();
    }

    @Test
    void theSameSeedSendsTheSameMessageIdsSoReRunsAreDeduplicated() {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        new TrafficSimulator(base(), KEY, DemoCatalog.yogaShop(), 3).runHistory(now, 7, 50);
        List<String> first = messages().stream().map(m -> m.path("messageId").asText()).toList();
        bodies.clear();
        new TrafficSimulator(base(), KEY, DemoCatalog.yogaShop(), 3).runHistory(now, 7, 50);
        assertThat(messages().stream().map(m -> m.path("messageId").asText()).toList()).isEqualTo(first);
    }

    @Test
    void retriesOn429HonouringRetryAfter() {
        throttleFirst.set(2);
        TrafficSimulator.Summary summary = new TrafficSimulator(base(), KEY, DemoCatalog.yogaShop(), 1)
                .runHistory(Instant.now(), 1, 5);
        assertThat(summary.failedBatches()).isZero();
        assertThat(summary.batches()).isEqualTo(bodies.size()).isPositive();
    }

    @Test
    void liveTrafficSendsMessagesWhenTheyHappen() {
        Instant before = Instant.now();
        TrafficSimulator.Summary summary = new TrafficSimulator(base(), KEY, DemoCatalog.yogaShop(), 5)
                .runLive(Duration.ofSeconds(2), 10);
        assertThat(summary.visitors()).isPositive();
        assertThat(summary.totalSent()).isEqualTo(messages().size()).isPositive();
        assertThat(messages()).allSatisfy(m ->
                assertThat(Instant.parse(m.path("timestamp").asText())).isBetween(before, Instant.now()));
    }

    private static double share(Map<String, Set<String>> visitorsByType, String type, int visitors) {
        return visitorsByType.getOrDefault(type, Set.of()).size() / (double) visitors;
    }
}
