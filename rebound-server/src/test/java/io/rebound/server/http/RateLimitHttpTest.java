package io.rebound.server.http;

import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitHttpTest {
    @TempDir
    Path dir;

    @Test
    void aKeyOverItsRateGets429WithRetryAfter() throws Exception {
        try (ReboundServer server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1, 3))) {
            var store = server.stores().create("Limited", false);
            HttpClient http = HttpClient.newHttpClient();
            int limited = 0;
            String retryAfter = null;
            for (int i = 0; i < 6; i++) {
                var r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"writeKey\":\"" + store.store().writeKey()
                                + "\",\"batch\":[{\"type\":\"page\",\"messageId\":\"r" + i + "\",\"anonymousId\":\"v\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429) {
                    limited++;
                    retryAfter = r.headers().firstValue("Retry-After").orElse(null);
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                }
            }
            assertThat(limited).isGreaterThanOrEqualTo(2);
            assertThat(retryAfter).isNotNull();
            assertThat(Integer.parseInt(retryAfter)).isPositive();
        }
    }
}
