package io.rebound.bench;

import io.rebound.core.activation.Platform;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.Mode;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.activation.Activation;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.meta.StoreRepository;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Freshness of customer-list sync: from a shopper's add-to-cart being accepted by the collector to the
 * platform (the local Meta contract server) holding them in the synced segment's list, under a steady
 * collector load, with the default batching window. Baseline, in the same run: from the same acceptance
 * to the person being a member in the audience engine (what sync cannot beat). Run by hand:
 * {@code rebound-bench/freshness-bench.sh [events/s=1000] [seconds=30]}.
 */
public final class SyncFreshnessBenchmark {
    private SyncFreshnessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rate = Args.intArg(args, 0, 1_000);
        int seconds = Args.intArg(args, 1, 30);
        try (MetaContractServer meta = BenchClients.metaContract();
             ReboundServer server = ReboundServer.start(ServerConfig.defaults(Files.createTempDirectory("rebound-fresh"))
                     .withPort(0).withRateLimit(1_000_000, 1_000_000))) {
            StoreRepository.Created store = server.stores().create("Freshness", false);
            String storeId = store.store().id();
            SegmentRecord segment = server.audiencesPort().createSegment(storeId,
                    SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners");
            while (server.audiencesPort().segment(storeId, segment.id()).orElseThrow().status() != SegmentRecord.Status.READY) {
                Thread.sleep(20);
            }
            JdbcDestinations.Record d = server.activation().connect(storeId, "Meta", Mode.LIVE, meta.baseUrl(),
                    DestinationSettings.parse(Platform.META, Map.of("ad_account_id", BenchClients.AD_ACCOUNT, "access_token", BenchClients.TOKEN)));
            String audience = ((Activation.PairResult.Paired) server.activation().pair(d, segment, null)).pairing()
                    .audience().id();
            System.out.printf(Locale.ROOT, "load %d events/s for %d s (+5 s warm-up), every 10th an add to cart that joins; "
                    + "batching window %d ms%n", rate, seconds, server.config().activation().batchWindow().toMillis());

            Map<String, Long> accepted = new ConcurrentHashMap<>();
            Map<String, Long> member = new ConcurrentHashMap<>();
            Map<String, Long> onPlatform = new ConcurrentHashMap<>();
            Map<String, String> personOf = new ConcurrentHashMap<>();
            Thread watcher = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long now = System.nanoTime();
                    for (String h : meta.members(audience)) {
                        onPlatform.putIfAbsent(h, now);
                    }
                    accepted.forEach((h, t) -> {
                        if (!member.containsKey(h) && server.audiencesPort().reader().personOf(storeId, personOf.get(h))
                                .map(p -> server.audiencesPort().reader().isMember(storeId, segment.id(), p)).orElse(false)) {
                            member.put(h, System.nanoTime());
                        }
                    });
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            String auth = BenchClients.writeKeyAuth(store.store().writeKey());
            int perTick = Math.max(1, rate / 20);
            long start = System.nanoTime();
            long warmUpEnd = start + Duration.ofSeconds(5).toNanos();
            long end = warmUpEnd + Duration.ofSeconds(seconds).toNanos();
            int n = 0;
            List<String> measured = new ArrayList<>();
            for (long tick = start; tick < end; tick += Duration.ofMillis(50).toNanos()) {
                long sleep = tick - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
                List<String> batch = new ArrayList<>();
                List<String> joins = new ArrayList<>();
                Instant t = Instant.now();
                for (int i = 0; i < perTick; i++, n++) {
                    String visitor = "v" + n;
                    if (n % 10 == 0) {
                        String email = "shopper" + n + "@example.com";
                        batch.add("""
                                {"type":"track","event":"Product Added","messageId":"m%d","anonymousId":"%s","timestamp":"%s","properties":{"product_id":"mat","email":"%s"}}"""
                                .formatted(n, visitor, t, email));
                        String h = sha256(email);
                        joins.add(h);
                        personOf.put(h, visitor);
                    } else {
                        batch.add("""
                                {"type":"track","event":"Product Viewed","messageId":"m%d","anonymousId":"%s","timestamp":"%s","properties":{"product_id":"mat"}}"""
                                .formatted(n, visitor, t));
                    }
                }
                BenchClients.postBatch(http, server.baseUrl(), auth, batch);
                long at = System.nanoTime();
                for (String h : joins) {
                    accepted.put(h, at);
                    if (at > warmUpEnd) {
                        measured.add(h);
                    }
                }
            }
            long drainUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < drainUntil && !measured.stream().allMatch(onPlatform::containsKey)) {
                Thread.sleep(50);
            }
            watcher.interrupt();
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "sent %,d events in %.1f s (%,.0f/s); %,d joins measured; on the platform: %,d%n",
                    n, elapsed, n / elapsed, measured.size(), measured.stream().filter(onPlatform::containsKey).count());
            report("baseline: accepted -> member in the audience engine", measured, accepted, member);
            report("accepted -> in the platform's list", measured, accepted, onPlatform);
            if (!meta.violations().isEmpty()) {
                throw new IllegalStateException("contract violations: " + meta.violations().getFirst());
            }
        }
    }

    private static void report(String what, List<String> keys, Map<String, Long> from, Map<String, Long> to) {
        long[] ms = keys.stream().filter(to::containsKey)
                .mapToLong(k -> Math.max(0, (to.get(k) - from.get(k)) / 1_000_000)).sorted().toArray();
        if (ms.length == 0) {
            System.out.println(what + ": nothing arrived");
            return;
        }
        System.out.printf(Locale.ROOT, "%s: p50 %d ms, p99 %d ms, max %d ms (%d of %d)%n", what, ms[ms.length / 2],
                ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.99) - 1)], ms[ms.length - 1], ms.length, keys.size());
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
