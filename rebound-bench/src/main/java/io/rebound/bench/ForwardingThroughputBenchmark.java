package io.rebound.bench;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.meta.StoreRepository;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server-side event forwarding against the collector's end-to-end rate, in the same run: a round posts
 * {@code events} funnel events (Product Viewed with a Meta browser id) as fast as 4 clients can through
 * {@code /v1/batch} into an embedded server with a live Meta destination (pixel) pointed at the local Meta
 * contract server. The collector's rate is the events over the time to the last acknowledgement (accepted
 * and in the durable log); forwarding's is the same events over the time until the contract server holds
 * all of them. The baseline is the collector's end-to-end rate in the same round: the same events over the
 * time until the server's own consumers (the event indexer and the audience runtime, from {@code /health})
 * have processed all of them. Ratio = forwarding / end to end (1.0: forwarding finishes with the consumers);
 * the ratio to the collector's acknowledgements alone is printed too. The first round warms up and is not
 * counted. Run by hand:
 * {@code rebound-bench/forwarding-bench.sh [events=50000] [rounds=4]}.
 */
public final class ForwardingThroughputBenchmark {
    private ForwardingThroughputBenchmark() {
    }

    /** The indexer's and the audience runtime's lag behind the log, from {@code /health}, in bytes. */
    private static long consumersLag(HttpClient http, String baseUrl) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        com.fasterxml.jackson.databind.JsonNode h = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        return h.path("indexer_lag_bytes").asLong(-1) + h.path("audience_lag_bytes").asLong(-1);
    }

    public static void main(String[] args) throws Exception {
        int events = Args.intArg(args, 0, 50_000);
        int rounds = Args.intArg(args, 1, 4);
        try (MetaContractServer meta = BenchClients.metaContract();
             ReboundServer server = ReboundServer.start(ServerConfig.defaults(Files.createTempDirectory("rebound-fwd"))
                     .withPort(0).withRateLimit(1e9, 1_000_000_000).withIpRateLimit(1e9, 1_000_000_000))) {
            StoreRepository.Created store = server.stores().create("Forwarding", false);
            String storeId = store.store().id();
            JdbcDestinations.Record d = server.activation().connect(storeId, "Meta", Mode.LIVE, meta.baseUrl(),
                    DestinationSettings.parse(Platform.META, Map.of("ad_account_id", BenchClients.AD_ACCOUNT, "pixel_id", BenchClients.PIXEL,
                            "access_token", BenchClients.TOKEN)));
            while (server.activation().forwarding(d.id()).isEmpty()) {
                Thread.sleep(20);
            }
            Thread.sleep(500);
            HttpClient http = HttpClient.newHttpClient();
            String auth = BenchClients.writeKeyAuth(store.store().writeKey());
            System.out.printf(Locale.ROOT, "%,d events a round, %d rounds (the first warms up), batching window %d ms%n",
                    events, rounds, server.config().activation().batchWindow().toMillis());
            List<double[]> measured = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon().factory());
            for (int round = 0; round < rounds; round++) {
                int before = meta.eventCount();
                int from = next.get();
                int to = from + events;
                long start = System.nanoTime();
                List<Future<?>> posting = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    posting.add(clients.submit(() -> {
                        while (true) {
                            int first = next.getAndAdd(500);
                            if (first >= to) {
                                return null;
                            }
                            List<String> batch = new ArrayList<>();
                            Instant t = Instant.now();
                            for (int n = first; n < Math.min(to, first + 500); n++) {
                                batch.add("""
                                        {"type":"track","event":"Product Viewed","messageId":"f%1$d","anonymousId":"v%1$d","timestamp":"%2$s","properties":{"product_id":"mat","price":40,"currency":"USD"},"context":{"clickIds":{"fbp":"fb.1.1700000000000.%1$d"}}}"""
                                        .formatted(n, t));
                            }
                            BenchClients.postBatch(http, server.baseUrl(), auth, batch);
                        }
                    }));
                }
                for (Future<?> f : posting) {
                    f.get();
                }
                next.set(to);
                long acked = System.nanoTime();
                long forwarded = 0;
                long consumed = 0;
                while (forwarded == 0 || consumed == 0) {
                    if (forwarded == 0 && meta.eventCount() >= before + events) {
                        forwarded = System.nanoTime();
                    }
                    if (consumed == 0 && consumersLag(http, server.baseUrl()) == 0) {
                        consumed = System.nanoTime();
                    }
                    Thread.sleep(5);
                }
                double collector = events / ((acked - start) / 1e9);
                double endToEnd = events / ((consumed - start) / 1e9);
                double forwarding = events / ((forwarded - start) / 1e9);
                System.out.printf(Locale.ROOT, "round %d%s: collector %,.0f events/s, end to end (indexer + audiences) %,.0f "
                                + "events/s, forwarding %,.0f events/s; ratio to end to end %.2f, to the collector %.2f; "
                                + "after the last ack: consumers %d ms, forwarding %d ms%n", round, round == 0 ? " (warm-up)" : "",
                        collector, endToEnd, forwarding, forwarding / endToEnd, forwarding / collector,
                        (consumed - acked) / 1_000_000, (forwarded - acked) / 1_000_000);
                if (round > 0) {
                    measured.add(new double[] {collector, endToEnd, forwarding, forwarding / endToEnd, forwarding / collector});
                }
            }
            clients.shutdownNow();
            measured.sort((x, y) -> Double.compare(x[3], y[3]));
            double[] median = measured.get(measured.size() / 2);
            System.out.printf(Locale.ROOT, "median ratio to end to end %.2f (end to end %,.0f/s, forwarding %,.0f/s); "
                            + "ratios %.2f–%.2f over %d rounds%n", median[3], median[1], median[2], measured.getFirst()[3],
                    measured.getLast()[3], measured.size());
            measured.sort((x, y) -> Double.compare(x[4], y[4]));
            median = measured.get(measured.size() / 2);
            System.out.printf(Locale.ROOT, "median ratio to the collector %.2f (collector %,.0f/s, forwarding %,.0f/s); "
                            + "ratios %.2f–%.2f%n", median[4], median[0], median[2], measured.getFirst()[4],
                    measured.getLast()[4]);
            System.out.printf(Locale.ROOT, "events sent by the forwarder: %,d; contract violations: %d%n",
                    server.activation().forwarding(d.id()).orElseThrow().sent(), meta.violations().size());
            if (!meta.violations().isEmpty()) {
                throw new IllegalStateException("contract violations: " + meta.violations().getFirst());
            }
        }
    }
}
