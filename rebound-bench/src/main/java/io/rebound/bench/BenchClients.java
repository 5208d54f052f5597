package io.rebound.bench;

import io.rebound.destinations.contract.MetaContractServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

/** What the load drivers talk to and how: the local Meta contract server, and a store's collector. */
final class BenchClients {
    /** The ad account the contract server holds. */
    static final String AD_ACCOUNT = "1234567890";
    /** The pixel (dataset) the contract server takes events for. */
    static final String PIXEL = "555000111";
    /** The access token the contract server takes. */
    static final String TOKEN = "EAAB-bench";

    private BenchClients() {
    }

    /** The local Meta contract server for {@link #AD_ACCOUNT} and {@link #PIXEL}, taking {@link #TOKEN}. */
    static MetaContractServer metaContract() {
        return new MetaContractServer(TOKEN, AD_ACCOUNT, PIXEL, Clock.systemUTC(), 60_000);
    }

    /** The collector's {@code Authorization} header for a store's write key (Basic, the key as user name). */
    static String writeKeyAuth(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Posts Segment messages as one {@code /v1/batch} from a browser; throws unless the collector answers 200.
     *
     * @param auth {@link #writeKeyAuth(String)} of the store's write key
     */
    static void postBatch(HttpClient http, String baseUrl, String auth, List<String> messages)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/batch"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0")
                .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + String.join(",", messages) + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("collector answered " + r.statusCode() + ": " + r.body());
        }
    }
}
