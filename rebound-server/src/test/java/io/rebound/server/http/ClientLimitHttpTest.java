package io.rebound.server.http;

import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-address limit in front of the collector: a public write key cannot be spent by one client. */
class ClientLimitHttpTest {
    @TempDir
    static Path dir;
    static ReboundServer server;
    static StoreRepository.Created store;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        // The write key could take 1,000 events at once; one address only 20 (then one every 100 s).
        // The test client connects over loopback, here a trusted proxy: the server limits by X-Forwarded-For.
        ServerConfig config = ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000, 1_000).withIpRateLimit(0.01, 20);
        server = ReboundServer.start(config.withWeb(new ServerConfig.Web(null, TrustedProxies.parse("127.0.0.1,::1"),
                false)));
        store = server.stores().create("Per-address limits", false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The test client connects over loopback, a proxy's address, so the server limits by X-Forwarded-For. */
    static HttpResponse<String> batch(String client, int events, String idPrefix) throws Exception {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < events; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"page\",\"messageId\":\"").append(idPrefix).append(i)
                    .append("\",\"anonymousId\":\"v-").append(idPrefix).append("\"}");
        }
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/batch"))
                .header("X-Forwarded-For", client)
                .POST(HttpRequest.BodyPublishers.ofString("{\"writeKey\":\"" + store.store().writeKey()
                        + "\",\"batch\":[" + batch + "]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> gif(String client, String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/collect.gif?" + query))
                .header("X-Forwarded-For", client).header("User-Agent", CollectorHttpTest.BROWSER).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void oneAddressCannotSpendAWriteKeysBudgetAlone() throws Exception {
        var flood = batch("198.51.100.1", 50, "flood-");
        assertThat(flood.statusCode()).as(flood.body()).isEqualTo(429);
        assertThat(flood.body()).contains("from this address");
        assertThat(flood.headers().firstValue("Retry-After")).isPresent();
        var shopper = batch("198.51.100.2", 5, "shopper-");
        assertThat(shopper.statusCode()).as(shopper.body()).isEqualTo(200);
    }

    @Test
    void theGifEndpointIsLimitedPerAddressBeforeTheRequestIsLookedAt() throws Exception {
        int unauthorized = 0;
        int limited = 0;
        for (int i = 0; i < 30; i++) {
            int status = gif("198.51.100.3", "k=wk_nosuchkey" + i + "&aid=v").statusCode();
            unauthorized += status == 401 ? 1 : 0;
            limited += status == 429 ? 1 : 0;
        }
        assertThat(unauthorized).isEqualTo(20);
        assertThat(limited).isEqualTo(10);
    }

    @Test
    void theGifEndpointCountsAgainstTheWriteKeyToo() throws Exception {
        var r = gif("198.51.100.4", "k=" + store.store().writeKey() + "&aid=gif-visitor&id=gif-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/gif");
    }

    @Test
    void aClientsBucketIsItsAddressAndIpv6ClientsShareOnePerSlash64() {
        assertThat(ClientLimit.clientKey("203.0.113.9")).isEqualTo("cb007109");
        assertThat(ClientLimit.clientKey("::ffff:203.0.113.9")).isEqualTo("cb007109");
        assertThat(ClientLimit.clientKey("2001:db8:1:2::7")).isEqualTo(ClientLimit.clientKey("2001:db8:1:2:ffff::1"))
                .isNotEqualTo(ClientLimit.clientKey("2001:db8:1:3::7"));
    }
}
