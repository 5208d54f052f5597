package io.rebound.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.store.Store;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Store administration over HTTP:
 * <pre>
 * POST  /api/v1/stores                              admin token       create → 201 with both keys
 * GET   /api/v1/stores                              admin token       list
 * GET   /api/v1/stores/:store                       admin or secret   one store
 * PATCH /api/v1/stores/:store                       admin or secret   name, consent_required, retention_days
 * POST  /api/v1/stores/:store/rotate-secret-key     admin or secret   new secret key; the old one stops working
 * </pre>
 * Bodies are JSON objects of at most 64 KB; a malformed body, a wrong type or an unknown field is
 * a 400 that names the field. Handlers run on a worker thread, since they read the database.
 */
public final class StoreApi {
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final Set<String> CREATE_FIELDS = Set.of("name", "consent_required", "retention_days");
    private static final Set<String> PATCH_FIELDS = CREATE_FIELDS;

    private final StoreRepository stores;
    private final ApiAuth auth;
    private final String adminToken;

    private StoreApi(StoreRepository stores, String adminToken) {
        this.stores = stores;
        this.auth = new ApiAuth(stores);
        this.adminToken = adminToken;
    }

    /** Adds the store routes to {@code router}; {@code adminToken} null disables the admin-only ones. */
    public static void mount(Router router, StoreRepository stores, String adminToken) {
        StoreApi api = new StoreApi(stores, adminToken);
        ApiRoutes.Mount routes = new ApiRoutes.Mount(MAX_BODY_BYTES);
        routes.withBody(router.post("/api/v1/stores"), api::create);
        routes.worker(router.get("/api/v1/stores"), api::list);
        String one = "/api/v1/stores/:store";
        routes.worker(router.get(one), ApiRoutes.found(api::store, api::get));
        routes.withBody(router.patch(one), ApiRoutes.found(api::store, api::patch));
        routes.withBody(router.post(one + "/rotate-secret-key"), ApiRoutes.found(api::store, api::rotate));
    }

    private void create(RoutingContext ctx) {
        if (!auth.requireAdmin(ctx, adminToken)) {
            return;
        }
        JsonNode body = object(ctx, CREATE_FIELDS);
        String name = string(body, "name").orElseThrow(() -> new BadRequest("name", "missing_field",
                "name is required: a string of 1..100 characters"));
        boolean consentRequired = bool(body, "consent_required").orElse(false);
        Optional<Integer> retentionDays = retentionDays(body);
        StoreRepository.Created created = stores.create(name, consentRequired);
        Store store = created.store();
        if (retentionDays.isPresent()) {
            store = stores.update(store.id(), store.name(), store.consentRequired(), retentionDays.get());
        }
        ApiErrors.created(ctx, "/api/v1/stores/" + store.id(), toJson(store).put("secret_key", created.secretKey()));
    }

    private void list(RoutingContext ctx) {
        if (!auth.requireAdmin(ctx, adminToken)) {
            return;
        }
        ApiErrors.list(ctx, "stores", stores.list(), StoreApi::toJson);
    }

    private void get(RoutingContext ctx, Store store) {
        ApiErrors.json(ctx, 200, toJson(store));
    }

    /** The path's store, for its secret key or the admin token. */
    private Optional<Store> store(RoutingContext ctx) {
        return auth.requireStoreOrAdmin(ctx, ctx.pathParam("store"), adminToken);
    }

    private void patch(RoutingContext ctx, Store current) {
        JsonNode body = object(ctx, PATCH_FIELDS);
        Store updated = stores.update(current.id(),
                string(body, "name").orElse(current.name()),
                bool(body, "consent_required").orElse(current.consentRequired()),
                retentionDays(body).orElse(current.retentionDays()));
        ApiErrors.json(ctx, 200, toJson(updated));
    }

    private void rotate(RoutingContext ctx, Store store) {
        String secretKey = stores.rotateSecretKey(store.id());
        ApiErrors.json(ctx, 200, new JsonObject().put("secret_key", secretKey));
    }

    /** A store as the API shows it; the secret key is never part of it (only its hash is kept). */
    public static JsonObject toJson(Store store) {
        return new JsonObject()
                .put("id", store.id())
                .put("name", store.name())
                .put("write_key", store.writeKey())
                .put("consent_required", store.consentRequired())
                .put("retention_days", store.retentionDays())
                .put("created_at", store.createdAt().toString());
    }

    private static JsonNode object(RoutingContext ctx, Set<String> allowed) {
        Buffer raw = ctx.body().buffer();
        if (raw == null || raw.length() == 0) {
            throw new BadRequest("body", "invalid_json", "the request body must be a JSON object");
        }
        JsonNode node;
        try {
            node = Json.readUntrusted(Json.STRICT_READER, raw.getBytes());
        } catch (InvalidNumberException e) {
            throw new BadRequest(e.field(), "invalid_field", e.field() + " " + e.getMessage());
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new BadRequest("body", "invalid_json", "the body is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("body", "invalid_json", "the body could not be read as JSON");
        }
        if (node == null || !node.isObject()) {
            throw new BadRequest("body", "invalid_json", "the request body must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            String field = it.next().getKey();
            if (!allowed.contains(field)) {
                throw new BadRequest(field, "unknown_field", "unknown field '" + field + "'; expected one of "
                        + allowed.stream().sorted().toList());
            }
        }
        return node;
    }

    private static Optional<String> string(JsonNode body, String field) {
        return field(body, field, JsonNode::isTextual, JsonNode::textValue, "a string");
    }

    private static Optional<Boolean> bool(JsonNode body, String field) {
        return field(body, field, JsonNode::isBoolean, JsonNode::booleanValue, "true or false");
    }

    private static Optional<Integer> retentionDays(JsonNode body) {
        return field(body, "retention_days", v -> v.isIntegralNumber() && v.canConvertToInt()
                        && v.intValue() >= 1 && v.intValue() <= Store.MAX_RETENTION_DAYS,
                JsonNode::intValue, "an integer within 1.." + Store.MAX_RETENTION_DAYS);
    }

    /** The field's {@code value}, empty when absent; a 400 saying it must be {@code expected} when not {@code valid}. */
    private static <T> Optional<T> field(JsonNode body, String field, Predicate<JsonNode> valid,
                                         Function<JsonNode, T> value, String expected) {
        JsonNode v = body.get(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!valid.test(v)) {
            throw new BadRequest(field, "invalid_field", field + " must be " + expected + ", got " + describe(v));
        }
        return Optional.of(value.apply(v));
    }

    /** The offending value as the client sent it, shortened: messages must stay small. */
    private static String describe(JsonNode v) {
        String text = v.toString();
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
