package io.rebound.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.store.Store;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store administration API and tenant authentication over real HTTP: a Vert.x server on a
 * free port with only these routes (plus one tenant-scoped probe route), the real repository
 * on an embedded database, and the JDK's HTTP client.
 */
class StoreApiTest {
    private static final String ADMIN = "admin-token-for-tests-0123456789";

    @TempDir
    static Path dataDir;
    private static Database database;
    private static Vertx vertx;
    private static HttpServer server;
    private static String base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        database = Database.embedded(dataDir);
        StoreRepository stores = new JdbcStoreRepository(database);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        StoreApi.mount(router, stores, ADMIN);
        mountProbe(router, stores);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    /** A tenant-scoped endpoint as other APIs write them: the store's secret key only. */
    private static void mountProbe(Router router, StoreRepository stores) {
        ApiAuth auth = new ApiAuth(stores);
        router.get("/api/v1/stores/:store/probe").blockingHandler(ctx ->
                auth.requireStore(ctx, ctx.pathParam("store")).ifPresent(store ->
                        ApiErrors.json(ctx, 200, new JsonObject().put("store_id", store.id()))), false);
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        database.close();
    }

    // ---- creating and reading stores ------------------------------------------------------

    @Test
    void adminCreatesAStoreAndSeesBothKeysOnce() throws Exception {
        Response r = send("POST", "/api/v1/stores", bearer(ADMIN),
                "{\"name\": \"  Yoga Loft \", \"consent_required\": true}");

        assertThat(r.status).isEqualTo(201);
        assertThat(r.json.get("id").asText()).matches("st_[0-9A-Za-z]{16}");
        assertThat(r.json.get("name").asText()).isEqualTo("Yoga Loft");
        assertThat(r.json.get("write_key").asText()).matches("wk_[0-9A-Za-z]{24}");
        assertThat(r.json.get("secret_key").asText()).matches("sk_[0-9A-Za-z]{40}");
        assertThat(r.json.get("consent_required").asBoolean()).isTrue();
        assertThat(r.json.get("retention_days").asInt()).isEqualTo(Store.DEFAULT_RETENTION_DAYS);
        assertThat(r.json.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(r.headers.firstValue("Location")).contains("/api/v1/stores/" + r.json.get("id").asText());
        assertThat(r.headers.firstValue("Cache-Control")).contains("no-store");

        Response read = send("GET", "/api/v1/stores/" + r.json.get("id").asText(),
                bearer(r.json.get("secret_key").asText()), null);
        assertThat(read.status).isEqualTo(200);
        assertThat(read.json.get("write_key").asText()).isEqualTo(r.json.get("write_key").asText());
        assertThat(read.json.has("secret_key")).isFalse();
    }

    @Test
    void createAcceptsRetentionDaysAndDefaultsConsentToFalse() throws Exception {
        Response r = send("POST", "/api/v1/stores", bearer(ADMIN), "{\"name\": \"Short memory\", \"retention_days\": 30}");

        assertThat(r.status).isEqualTo(201);
        assertThat(r.json.get("retention_days").asInt()).isEqualTo(30);
        assertThat(r.json.get("consent_required").asBoolean()).isFalse();
    }

    @Test
    void adminListsStoresWithoutSecrets() throws Exception {
        Created a = create("Listed");

        Response r = send("GET", "/api/v1/stores", bearer(ADMIN), null);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.get("stores").findValuesAsText("id")).contains(a.id);
        assertThat(r.body).doesNotContain("secret");
    }

    @Test
    void theAdminTokenAndTheStoresOwnSecretKeyCanReadAStore() throws Exception {
        Created a = create("Readable");

        assertThat(send("GET", "/api/v1/stores/" + a.id, bearer(ADMIN), null).status).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/" + a.id, bearer(a.secret), null).status).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/" + a.id, basic(a.secret + ":"), null).status).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/st_doesNotExist0000", bearer(ADMIN), null).json.get("error").asText())
                .isEqualTo("store_not_found");
    }

    // ---- authentication -------------------------------------------------------------------

    @Test
    void requestsWithoutCredentialsGet401WithAChallenge() throws Exception {
        Created a = create("Locked");
        List<Response> responses = List.of(
                send("POST", "/api/v1/stores", Optional.empty(), "{\"name\": \"x\"}"),
                send("GET", "/api/v1/stores", Optional.empty(), null),
                send("GET", "/api/v1/stores/" + a.id, Optional.empty(), null),
                send("PATCH", "/api/v1/stores/" + a.id, Optional.empty(), "{\"name\": \"x\"}"),
                send("POST", "/api/v1/stores/" + a.id + "/rotate-secret-key", Optional.empty(), null),
                send("GET", "/api/v1/stores/" + a.id + "/probe", Optional.empty(), null),
                send("GET", "/api/v1/stores/" + a.id + "/probe", Optional.of("Bearer"), null),
                send("GET", "/api/v1/stores/" + a.id + "/probe", Optional.of("Basic !!!notbase64"), null));
        for (Response r : responses) {
            assertThat(r.status).as(r.toString()).isEqualTo(401);
            assertThat(r.headers.firstValue("WWW-Authenticate")).as(r.toString()).contains("Bearer realm=\"rebound\"");
            assertThat(r.json.get("error").asText()).isEqualTo("unauthorized");
        }
    }

    @Test
    void anUnknownSecretKeyIs401() throws Exception {
        Created a = create("Shop");

        Response r = send("GET", "/api/v1/stores/" + a.id + "/probe", bearer("sk_" + "x".repeat(40)), null);

        assertThat(r.status).isEqualTo(401);
    }

    @Test
    void theTenantRouteAcceptsTheSecretKeyAsBearerOrBasicUser() throws Exception {
        Created a = create("Shop");

        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", bearer(a.secret), null).json
                .get("store_id").asText()).isEqualTo(a.id);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", basic(a.secret + ":"), null).status)
                .isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", basic(a.secret), null).status)
                .isEqualTo(200);
    }

    @Test
    void aKeyOfStoreANeverReachesStoreBOnAnyEndpoint() throws Exception {
        Created a = create("Store A");
        Created b = create("Store B");
        String missing = "st_0000000000000000";

        for (String target : List.of(b.id, missing)) {
            List<Response> responses = List.of(
                    send("GET", "/api/v1/stores/" + target, bearer(a.secret), null),
                    send("PATCH", "/api/v1/stores/" + target, bearer(a.secret), "{\"name\": \"hijacked\"}"),
                    send("POST", "/api/v1/stores/" + target + "/rotate-secret-key", bearer(a.secret), null),
                    send("GET", "/api/v1/stores/" + target + "/probe", bearer(a.secret), null),
                    send("GET", "/api/v1/stores/" + target + "/probe", basic(a.secret + ":"), null));
            for (Response r : responses) {
                // The same answer for "someone else's store" and "no such store": nothing to probe.
                assertThat(r.status).as(r.toString()).isEqualTo(404);
                assertThat(r.json.get("error").asText()).isEqualTo("store_not_found");
                assertThat(r.body.replace(target, "ID")).isEqualTo(
                        "{\"error\":\"store_not_found\",\"message\":\"no store 'ID' for this key\"}");
            }
        }
        // B is untouched: its name and its secret key are as they were.
        Response bRead = send("GET", "/api/v1/stores/" + b.id, bearer(b.secret), null);
        assertThat(bRead.status).isEqualTo(200);
        assertThat(bRead.json.get("name").asText()).isEqualTo("Store B");
    }

    @Test
    void aWriteKeyAuthenticatesNothing() throws Exception {
        Created a = create("Public key");
        Optional<String> writeKey = bearer(a.writeKey);

        assertThat(send("POST", "/api/v1/stores", writeKey, "{\"name\": \"x\"}").status).isEqualTo(403);
        assertThat(send("GET", "/api/v1/stores", writeKey, null).status).isEqualTo(403);
        assertThat(send("GET", "/api/v1/stores", basic(a.writeKey + ":"), null).status).isEqualTo(403);
        assertThat(send("GET", "/api/v1/stores/" + a.id, writeKey, null).status).isEqualTo(401);
        assertThat(send("PATCH", "/api/v1/stores/" + a.id, writeKey, "{\"name\": \"x\"}").status).isEqualTo(401);
        assertThat(send("POST", "/api/v1/stores/" + a.id + "/rotate-secret-key", writeKey, null).status)
                .isEqualTo(401);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", writeKey, null).status).isEqualTo(401);
    }

    @Test
    void aSecretKeyCannotUseAdminEndpoints() throws Exception {
        Created a = create("Tenant");

        Response create = send("POST", "/api/v1/stores", bearer(a.secret), "{\"name\": \"x\"}");
        Response list = send("GET", "/api/v1/stores", bearer(a.secret), null);

        assertThat(create.status).isEqualTo(403);
        assertThat(create.json.get("error").asText()).isEqualTo("forbidden");
        assertThat(list.status).isEqualTo(403);
        assertThat(send("GET", "/api/v1/stores", bearer(ADMIN + "x"), null).status).isEqualTo(403);
        assertThat(send("GET", "/api/v1/stores", bearer(ADMIN.substring(1)), null).status).isEqualTo(403);
    }

    @Test
    void theAdminTokenIsNotATenantKey() throws Exception {
        Created a = create("Shop");

        // Admin endpoints accept it; tenant-only endpoints (the secret key) do not.
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", bearer(ADMIN), null).status).isEqualTo(401);
    }

    // ---- rotation -------------------------------------------------------------------------

    @Test
    void rotatingTheSecretKeyRetiresTheOldOne() throws Exception {
        Created a = create("Rotating");

        Response r = send("POST", "/api/v1/stores/" + a.id + "/rotate-secret-key", bearer(a.secret), null);

        assertThat(r.status).isEqualTo(200);
        String fresh = r.json.get("secret_key").asText();
        assertThat(fresh).matches("sk_[0-9A-Za-z]{40}").isNotEqualTo(a.secret);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", bearer(a.secret), null).status).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stores/" + a.id, bearer(a.secret), null).status).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", bearer(fresh), null).status).isEqualTo(200);

        Response byAdmin = send("POST", "/api/v1/stores/" + a.id + "/rotate-secret-key", bearer(ADMIN), null);
        assertThat(byAdmin.status).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stores/" + a.id + "/probe", bearer(fresh), null).status).isEqualTo(401);
    }

    // ---- updating and validation ----------------------------------------------------------

    @Test
    void patchChangesOnlyTheFieldsGiven() throws Exception {
        Created a = create("Before");

        Response r = send("PATCH", "/api/v1/stores/" + a.id, bearer(a.secret), "{\"retention_days\": 90}");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.get("retention_days").asInt()).isEqualTo(90);
        assertThat(r.json.get("name").asText()).isEqualTo("Before");

        r = send("PATCH", "/api/v1/stores/" + a.id, bearer(ADMIN), "{\"name\": \"After\", \"consent_required\": true}");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.get("name").asText()).isEqualTo("After");
        assertThat(r.json.get("consent_required").asBoolean()).isTrue();
        assertThat(r.json.get("retention_days").asInt()).isEqualTo(90);
    }

    @Test
    void invalidBodiesAre400sNamingTheField() throws Exception {
        Created a = create("Strict");
        String path = "/api/v1/stores/" + a.id;
        Optional<String> key = bearer(a.secret);

        assertField(send("PATCH", path, key, "{\"name\": \"\"}"), "invalid_field", "name");
        assertField(send("PATCH", path, key, "{\"name\": \"   \"}"), "invalid_field", "name");
        assertField(send("PATCH", path, key, "{\"name\": \"" + "x".repeat(101) + "\"}"), "invalid_field", "name");
        assertField(send("PATCH", path, key, "{\"name\": 42}"), "invalid_field", "name");
        assertField(send("PATCH", path, key, "{\"name\": null}"), "invalid_field", "name");
        assertField(send("PATCH", path, key, "{\"consent_required\": \"yes\"}"), "invalid_field", "consent_required");
        assertField(send("PATCH", path, key, "{\"retention_days\": 0}"), "invalid_field", "retention_days");
        assertField(send("PATCH", path, key, "{\"retention_days\": 541}"), "invalid_field", "retention_days");
        assertField(send("PATCH", path, key, "{\"retention_days\": \"30\"}"), "invalid_field", "retention_days");
        assertField(send("PATCH", path, key, "{\"retention_days\": 30.5}"), "invalid_field", "retention_days");
        assertField(send("PATCH", path, key, "{\"retention_days\": 99999999999}"), "invalid_field", "retention_days");
        assertField(send("PATCH", path, key, "{\"write_key\": \"wk_mine\"}"), "unknown_field", "write_key");
        assertField(send("PATCH", path, key, "{\"name\": \"a\""), "invalid_json", "body");
        assertField(send("PATCH", path, key, "{\"name\": \"a\"} trailing"), "invalid_json", "body");
        assertField(send("PATCH", path, key, "{\"name\": \"a\", \"name\": \"b\"}"), "invalid_json", "body");
        assertField(send("PATCH", path, key, "[\"name\"]"), "invalid_json", "body");
        assertField(send("PATCH", path, key, ""), "invalid_json", "body");
        assertField(send("POST", "/api/v1/stores", bearer(ADMIN), "{}"), "missing_field", "name");
        assertField(send("POST", "/api/v1/stores", bearer(ADMIN), "{\"name\": \"ok\", \"retention_days\": 0}"),
                "invalid_field", "retention_days");

        // Nothing was changed by any of the rejected requests.
        assertThat(send("GET", path, key, null).json.get("name").asText()).isEqualTo("Strict");
    }

    @Test
    void invalidUtf8IsA400() throws Exception {
        Created a = create("Bytes");
        byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/stores/" + a.id))
                .header("Authorization", "Bearer " + a.secret)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(r.body()).get("field").asText()).isEqualTo("body");
    }

    @Test
    void bodiesOver64KbAre413InJson() throws Exception {
        Created a = create("Big");
        String huge = "{\"name\": \"" + "x".repeat(70 * 1024) + "\"}";

        Response r = send("PATCH", "/api/v1/stores/" + a.id, bearer(a.secret), huge);

        assertThat(r.status).isEqualTo(413);
        assertThat(r.json.get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void adminEndpointsAreClosedWhenNoAdminTokenIsConfigured() throws Exception {
        Router router = Router.router(vertx);
        StoreApi.mount(router, new JdbcStoreRepository(database), null);
        HttpServer closed = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + closed.actualPort() + "/api/v1/stores"))
                    .header("Authorization", "Bearer null").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).isEqualTo("admin_disabled");
        } finally {
            closed.close().await();
        }
    }

    @Test
    void aFailingDatabaseIsA500WithoutInternals() throws Exception {
        StoreRepository broken = new BrokenDatabase();
        Router router = Router.router(vertx);
        StoreApi.mount(router, broken, ADMIN);
        HttpServer failing = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + failing.actualPort() + "/api/v1/stores"))
                    .header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).isEqualTo("internal_error");
            assertThat(r.body()).doesNotContain("db-internal-host").doesNotContain("Exception").doesNotContain("at io.");
        } finally {
            failing.close().await();
        }
    }

    /** A repository whose database is unreachable. */
    private static final class BrokenDatabase implements StoreRepository {
        private static IllegalStateException down() {
            return new IllegalStateException("connection refused to db-internal-host:5432");
        }

        @Override
        public StoreRepository.Created create(String name, boolean consentRequired) {
            throw down();
        }

        @Override
        public Optional<Store> byId(String storeId) {
            throw down();
        }

        @Override
        public Optional<Store> byWriteKey(String writeKey) {
            throw down();
        }

        @Override
        public Optional<Store> bySecretKey(String secretKey) {
            throw down();
        }

        @Override
        public List<Store> list() {
            throw down();
        }

        @Override
        public String rotateSecretKey(String storeId) {
            throw down();
        }

        @Override
        public Store update(String storeId, String name, boolean consentRequired, int retentionDays) {
            throw down();
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private record Created(String id, String writeKey, String secret) {
    }

    private record Response(int status, String body, JsonNode json, java.net.http.HttpHeaders headers,
                            String request) {
        @Override
        public String toString() {
            return request + " -> " + status + " " + body;
        }
    }

    private static Created create(String name) throws Exception {
        Response r = send("POST", "/api/v1/stores", bearer(ADMIN), "{\"name\": \"" + name + "\"}");
        assertThat(r.status).as(r.toString()).isEqualTo(201);
        return new Created(r.json.get("id").asText(), r.json.get("write_key").asText(),
                r.json.get("secret_key").asText());
    }

    private static Optional<String> bearer(String token) {
        return Optional.of("Bearer " + token);
    }

    private static Optional<String> basic(String userColonPassword) {
        return Optional.of("Basic " + Base64.getEncoder()
                .encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8)));
    }

    private static Response send(String method, String path, Optional<String> authorization, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        authorization.ifPresent(a -> req.header("Authorization", a));
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).as(method + " " + path)
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode json = Json.MAPPER.readTree(r.body());
        return new Response(r.statusCode(), r.body(), json, r.headers(), method + " " + path);
    }

    private static void assertField(Response r, String error, String field) {
        assertThat(r.status).as(r.toString()).isEqualTo(400);
        assertThat(r.json.get("error").asText()).as(r.toString()).isEqualTo(error);
        assertThat(r.json.get("field").asText()).as(r.toString()).isEqualTo(field);
        assertThat(r.json.get("message").asText()).as(r.toString()).isNotBlank();
    }
}
