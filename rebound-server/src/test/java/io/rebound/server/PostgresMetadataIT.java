package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.dashboard.Dashboard;
import io.rebound.server.json.Json;
import io.rebound.server.meta.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole server with its metadata (stores, segments, users) in PostgreSQL on 127.0.0.1:5432
 * instead of H2: the same migrations, the collector, the audience API and the dashboard pages.
 */
class PostgresMetadataIT {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @TempDir
    static Path dir;
    static PostgresTestDatabase db;
    static ReboundServer server;
    static final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        db = PostgresTestDatabase.create();
        server = ReboundServer.start(ServerConfig.demo(dir, 0).withDatabase(db.jdbcUrl(), PostgresTestDatabase.USER, null));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (db != null) {
            db.drop();
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
    }

    @Test
    void collectorAudiencesAndDashboardRunOnPostgres() throws Exception {
        DemoKeys keys = server.demoStore();
        String secret = "Bearer " + keys.secretKey();

        // An abandoned cart, through the Segment API.
        String auth = "Basic " + Base64.getEncoder().encodeToString((keys.writeKey() + ":").getBytes(StandardCharsets.UTF_8));
        var sent = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"batch":[
                          {"type":"track","event":"Product Viewed","messageId":"pg-1","anonymousId":"pg-visitor",
                           "timestamp":"%1$s","properties":{"product_id":"yoga-mat","price":68}},
                          {"type":"track","event":"Product Added","messageId":"pg-2","anonymousId":"pg-visitor",
                           "timestamp":"%1$s","properties":{"product_id":"yoga-mat","price":68}}]}""".formatted(Instant.now()))));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);

        // A segment, stored in PostgreSQL, backfilled, with the visitor in it.
        var created = send(get("/api/v1/stores/" + keys.storeId() + "/segments").header("Authorization", secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"template\":\"cart_abandoners\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String segmentId = Json.MAPPER.readTree(created.body()).get("id").asText();
        JsonNode segment = null;
        for (int i = 0; i < 100; i++) {
            segment = Json.MAPPER.readTree(send(get("/api/v1/stores/" + keys.storeId() + "/segments/" + segmentId)
                    .header("Authorization", secret)).body());
            if ("ready".equals(segment.path("status").asText()) && segment.path("size").asLong() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(segment.path("status").asText()).isEqualTo("ready");
        var visitorSegments = send(get("/api/v1/stores/" + keys.storeId() + "/visitors/pg-visitor/segments")
                .header("Authorization", secret));
        assertThat(visitorSegments.body()).contains(segmentId);

        // The dashboard: sign in as the demo user, open the store's pages.
        var login = send(get("/dashboard/login"));
        Matcher m = CSRF.matcher(login.body());
        assertThat(m.find()).as("login form carries a CSRF token").isTrue();
        String form = "email=" + URLEncoder.encode(Dashboard.DEMO_EMAIL, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(Dashboard.DEMO_PASSWORD, StandardCharsets.UTF_8) + "&_csrf="
                + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8);
        var signedIn = send(get("/dashboard/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        assertThat(signedIn.statusCode()).as(signedIn.body()).isBetween(300, 399);
        String store = "/dashboard/stores/" + keys.storeId();
        for (String page : new String[]{store, store + "/live", store + "/funnel", store + "/segments",
                store + "/segments/" + segmentId, store + "/visitors/pg-visitor"}) {
            var r = send(get(page));
            assertThat(r.statusCode()).as(page).isEqualTo(200);
        }
        assertThat(send(get(store + "/segments")).body()).contains("Cart abandoners");
    }
}
