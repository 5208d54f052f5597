package io.rebound.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Platform;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.Mode;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.DemoCatalogUpload;
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
     * Connects the demo store to all four platforms in dry-run (placeholder ids and tokens: nothing is
     * ever sent) and syncs a cart-abandoners segment to each, so the destinations page fills with the
     * requests live mode would send. Done once: a store that has destinations is left as it is.
     */
    static void connectDryRunDestinations(Activation activation, Audiences audiences, String storeId) {
        if (!activation.list(storeId).isEmpty()) {
            return;
        }
        SegmentRecord segment = audiences.segments(storeId).stream()
                .filter(s -> "cart_abandoners".equals(s.template())).findFirst()
                .orElseGet(() -> audiences.createSegment(storeId,
                        SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners"));
        Map<Platform, Map<String, Object>> configs = new java.util.LinkedHashMap<>();
        configs.put(Platform.META, Map.of("ad_account_id", "100000000000001", "pixel_id", "200000000000002",
                "access_token", "demo-meta-token-not-real"));
        configs.put(Platform.GOOGLE, Map.of("operating_account_id", "123-456-7890", "client_id", "demo.apps.example",
                "client_secret", "demo-google-secret-not-real", "refresh_token", "demo-refresh-token-not-real",
                "customer_match_terms_accepted", true));
        configs.put(Platform.TIKTOK, Map.of("advertiser_id", "7000000000000000001", "pixel_code", "DEMOPIXEL0001",
                "access_token", "demo-tiktok-token-not-real"));
        configs.put(Platform.PINTEREST, Map.of("ad_account_id", "549755885175", "api_token", "demo-pinterest-token-not-real",
                "conversion_token", "demo-pinterest-conversion-token-not-real"));
        configs.forEach((platform, config) -> {
            String name = switch (platform) {
                case META -> "Meta (demo, dry-run)";
                case GOOGLE -> "Google Ads (demo, dry-run)";
                case TIKTOK -> "TikTok (demo, dry-run)";
                case PINTEREST -> "Pinterest (demo, dry-run)";
            };
            JdbcDestinations.Record d = activation.connect(storeId, name, Mode.DRY_RUN, null,
                    DestinationSettings.parse(platform, config));
            if (activation.pair(d, segment, null) instanceof Activation.PairResult.Refused) {
                // TikTok and Pinterest create a list only from an upload; before the first shopper with an
                // email there is none, so the demo links a placeholder (in dry-run no audience exists anyway).
                activation.pair(d, segment, "100000000000000");
            }
        });
    }

    /**
     * The product brief's example campaign ("Yoga mat viewers", {@link io.rebound.server.demo.DemoCampaign}):
     * its segment and the campaign, made once (after the demo catalog is uploaded); its emails go to the local mailbox.
     */
    static void ensureDemoCampaign(javax.sql.DataSource dataSource, Audiences audiences, String storeId,
                                   java.time.Clock clock) {
        io.rebound.server.demo.DemoCampaign.ensure(dataSource, audiences, storeId, clock);
    }

    /**
     * Loads the demo shop's products into the demo store's catalog through the catalog API at
     * {@code serverUrl} (as a store would), linked to the shop at {@code publicUrl} when one is
     * configured. Done at every start: an upsert, and the links follow the port.
     */
    static void uploadCatalog(String serverUrl, java.net.URI publicUrl, DemoKeys keys) {
        try {
            DemoCatalogUpload.upload(java.net.URI.create(serverUrl), keys.storeId(), keys.secretKey(),
                    DemoCatalog.yogaShop(), publicUrl == null ? serverUrl : publicUrl.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("the demo catalog was not uploaded", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while uploading the demo catalog", e);
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
