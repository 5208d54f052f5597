package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.DemoShop;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Creates the demo store once per data directory and remembers its keys in
 * {@code demo-keys.json} there, since the secret key itself is only stored hashed.
 */
final class DemoSetup {
    static final String DEMO_STORE_NAME = "Demo Yoga Shop";
    private static final String KEYS_FILE = "demo-keys.json";

    private DemoSetup() {
    }

    static DemoKeys ensureDemoStore(StoreRepository stores, Path dataDir) {
        Path file = dataDir.resolve(KEYS_FILE);
        try {
            if (Files.exists(file)) {
                JsonNode saved = Json.MAPPER.readTree(file.toFile());
                DemoKeys keys = new DemoKeys(saved.path("store_id").asText(), saved.path("write_key").asText(),
                        saved.path("secret_key").asText());
                if (stores.byId(keys.storeId()).isPresent()) {
                    return keys;
                }
            }
            StoreRepository.Created created = stores.create(DEMO_STORE_NAME, false);
            DemoKeys keys = new DemoKeys(created.store().id(), created.store().writeKey(), created.secretKey());
            Files.createDirectories(dataDir);
            Files.writeString(file, Json.MAPPER.writeValueAsString(Map.of("store_id", keys.storeId(),
                    "write_key", keys.writeKey(), "secret_key", keys.secretKey())));
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the demo store in " + dataDir, e);
        }
    }

    /**
     * The demo shop, created once and mounted on every HTTP instance's router (its orders live in
     * memory and must be seen by all). An empty base URL makes the install snippet load the pixel
     * from the same origin.
     */
    static DemoShop shop(String writeKey) {
        return new DemoShop(DemoCatalog.yogaShop(), "", writeKey);
    }
}
