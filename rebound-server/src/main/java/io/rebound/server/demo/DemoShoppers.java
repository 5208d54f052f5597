package io.rebound.server.demo;

import io.rebound.server.json.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Five named demo shoppers who gave their email with consent (see {@link DemoCampaign}) and look at
 * the yoga mat now, through the collector's batch API like any backend: Maya, Liam, Ava and Kai only
 * view it and join the campaign's segment, so the email flow writes to those not held out; Noor also
 * adds it to the cart and stays out. The simulated history's shoppers are anonymous or unknown addresses, so without these
 * the demo mailbox would stay empty.
 */
public final class DemoShoppers {
    /** The consented addresses of the demo shoppers. */
    public static final List<String> EMAILS = List.of("maya@example.com", "liam@example.com", "ava@example.com",
            "kai@example.com", "noor@example.com");
    private static final String UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/131.0 Safari/537.36";

    private DemoShoppers() {
    }

    /** Sends the shoppers' visits, stamped {@code now}; returns the anonymous ids, in {@link #EMAILS} order. */
    public static List<String> visit(URI base, String writeKey, Instant now) throws IOException, InterruptedException {
        DemoProduct mat = DemoCatalog.yogaShop().find(DemoCampaign.PRODUCT).orElseThrow();
        List<Map<String, Object>> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < EMAILS.size(); i++) {
            String anonymousId = UUID.randomUUID().toString();
            ids.add(anonymousId);
            Instant at = now.plusMillis(i * 10L);
            Map<String, Object> identify = message("identify", anonymousId, at);
            identify.put("traits", Map.of("email", EMAILS.get(i)));
            batch.add(identify);
            batch.add(track("ViewContent", anonymousId, at.plusMillis(100), mat));
            if (i == EMAILS.size() - 1) {
                batch.add(track("AddToCart", anonymousId, at.plusMillis(200), mat));
            }
        }
        String b = base.toString().replaceAll("/+$", "");
        HttpRequest request = HttpRequest.newBuilder(URI.create(b + "/v1/batch")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((writeKey + ":")
                        .getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").header("User-Agent", UA)
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(
                        Map.of("batch", batch, "sentAt", now.toString())), StandardCharsets.UTF_8)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException("the collector refused the demo shoppers: " + r.statusCode() + " " + r.body());
            }
        }
        return ids;
    }

    private static Map<String, Object> message(String type, String anonymousId, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("messageId", UUID.randomUUID().toString());
        m.put("anonymousId", anonymousId);
        m.put("timestamp", at.toString());
        m.put("context", Map.of("userAgent", UA, "page", Map.of("url", "https://demo.rebound.local"
                + DemoCatalog.yogaShop().find(DemoCampaign.PRODUCT).orElseThrow().pagePath())));
        return m;
    }

    private static Map<String, Object> track(String event, String anonymousId, Instant at, DemoProduct p) {
        Map<String, Object> m = message("track", anonymousId, at);
        m.put("event", event);
        m.put("properties", Map.of("content_ids", List.of(p.id()), "content_type", "product",
                "contents", List.of(Map.of("id", p.id(), "quantity", 1, "item_price", p.price())),
                "value", p.price(), "currency", DemoCatalog.CURRENCY));
        return m;
    }
}
