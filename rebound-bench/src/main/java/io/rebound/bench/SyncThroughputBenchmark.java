package io.rebound.bench;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Response;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.ChangeFeed;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.server.activation.JdbcDeliveryRepository;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Customer-list sync throughput: how many membership changes per second one destination's worker
 * turns into platform requests — reading the change log, looking persons up, normalising and hashing
 * each email (SHA-256), planning batches within Meta's row and byte limits, sending them over HTTP to
 * the local Meta contract server (which checks every request), and committing the cursor and the
 * uploaded identifiers to the metadata database (H2, as the embedded server does).
 * <p>
 * Baseline, in the same run: the very requests the worker sent, replayed over the same HTTP client to
 * the same server with nothing else done — what the transport and the contract server cost alone. The
 * ratio says how much of a sync is Rebound's own work. Each round uses fresh persons (a list the
 * platform has not seen), after a warm-up round that is not counted. Run by hand:
 * {@code rebound-bench/sync-bench.sh [changes=200000] [rounds=5]}.
 */
public final class SyncThroughputBenchmark {
    private SyncThroughputBenchmark() {
    }

    /** A change log in memory: {@code count} joins from person {@code first}. */
    private record Joins(String storeId, String segmentId, int first, int count) implements ChangeFeed {
        @Override
        public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
            List<LoggedChange> out = new ArrayList<>(limit);
            Instant at = Instant.parse("2026-12-01T00:00:00Z");
            for (long seq = after + 1; seq <= count && out.size() < limit; seq++) {
                String person = "p" + (first + seq);
                out.add(new LoggedChange(seq, new MembershipChange(storeId, segmentId, person,
                        MembershipChange.Kind.JOINED, at, "bench")));
            }
            return out;
        }
    }

    public static void main(String[] args) throws Exception {
        int changes = Args.intArg(args, 0, 200_000);
        int rounds = Args.intArg(args, 1, 5);
        Path dir = Files.createTempDirectory("rebound-sync-bench");
        try (Database db = Database.embedded(dir);
             MetaContractServer meta = BenchClients.metaContract()) {
            String storeId = new JdbcStoreRepository(db).create("Sync bench", false).store().id();
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(db.dataSource(), Clock.systemUTC());
            HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(60));
            System.out.printf(Locale.ROOT, "changes per round: %,d; rounds: %d (+1 warm-up)%n", changes, rounds);
            List<Double> syncRates = new ArrayList<>();
            List<Double> baseRates = new ArrayList<>();
            List<Double> cpuPerChange = new ArrayList<>();
            List<Double> commitCpuPerChange = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                RequestLog log = new RequestLog(100_000);
                MetaDestination destination = new MetaDestination(MetaConfig.of(BenchClients.AD_ACCOUNT, BenchClients.PIXEL, BenchClients.TOKEN)
                        .withBaseUrl(meta.baseUrl()), Mode.LIVE, transport, log, Clock.systemUTC());
                String audience = destination.createAudience("bench " + round, List.of()).audience().id();
                String segment = "seg" + round;
                Pairing pairing = deliveries.pair(storeId, "dest" + round, segment, AudienceRef.of(
                        io.rebound.core.activation.Platform.META, audience));
                int first = round * changes * 2;
                SyncWorker worker = new SyncWorker("dest" + round, destination, new Joins(storeId, segment, first, changes),
                        (s, person) -> new Member(person, Contact.ofEmail("Shopper" + person.substring(1) + "@Example.com"),
                                AdConsent.UNSTATED), deliveries, Backoff.DEFAULT, Clock.systemUTC(), SyncWorker.DEFAULT_BATCH);
                long cpu0 = cpu();
                long t0 = System.nanoTime();
                while (!worker.syncOnce().caughtUp() || deliveries.pairings("dest" + round).getFirst().cursor() < changes) {
                    Thread.onSpinWait();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double cpuMicros = (cpu() - cpu0) / 1e3 / changes;
                double commitMicros = threadCpu("rebound-sync-commit-dest" + round) / 1e3 / changes;
                int members = meta.members(audience).size();
                if (members != changes) {
                    throw new IllegalStateException("the platform holds " + members + " members, expected " + changes);
                }
                if (!meta.violations().isEmpty()) {
                    throw new IllegalStateException("contract violations: " + meta.violations().subList(0, 1));
                }
                List<WireRequest> sent = log.all().stream().map(RecordedRequest::request)
                        .filter(r -> r.uri().getPath().endsWith("/users")).map(SyncThroughputBenchmark::unredacted).toList();
                long b0 = System.nanoTime();
                for (WireRequest r : sent) {
                    Response answer = transport.send(r);
                    if (!(answer instanceof Response.Http http) || http.status() != 200) {
                        throw new IllegalStateException("baseline request failed: " + answer);
                    }
                }
                double baseSeconds = (System.nanoTime() - b0) / 1e9;
                double rate = changes / seconds;
                double base = changes / baseSeconds;
                System.out.printf(Locale.ROOT, "%s %d: sync %,.0f changes/s (%.2f s, %d requests, %.1f µs CPU a change, %.1f µs of it on the commit "
                                + "thread) | baseline replay %,.0f changes/s (%.2f s) | ratio %.2f%n", round == 0 ? "warm-up" : "round",
                        round, rate, seconds, sent.size(), cpuMicros, commitMicros,
                        base, baseSeconds, rate / base);
                if (round > 0) {
                    cpuPerChange.add(cpuMicros);
                    commitCpuPerChange.add(commitMicros);
                    syncRates.add(rate);
                    baseRates.add(base);
                }
            }
            System.out.printf(Locale.ROOT, "sync changes/s: min %,.0f  median %,.0f  max %,.0f%n", min(syncRates),
                    median(syncRates), max(syncRates));
            System.out.printf(Locale.ROOT, "process CPU per change (µs): min %.1f  median %.1f  max %.1f%n",
                    min(cpuPerChange), median(cpuPerChange), max(cpuPerChange));
            System.out.printf(Locale.ROOT, "commit thread CPU per change (µs): min %.1f  median %.1f  max %.1f%n",
                    min(commitCpuPerChange), median(commitCpuPerChange), max(commitCpuPerChange));
            System.out.printf(Locale.ROOT, "baseline changes/s: min %,.0f  median %,.0f  max %,.0f%n", min(baseRates),
                    median(baseRates), max(baseRates));
        }
    }

    /**
     * CPU time of the whole process (every thread: the worker, its commits, H2's page writer, the contract
     * server), in ns: what other processes on a shared machine move least.
     */
    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU time, in ns, of the live thread named {@code name}: the worker's commit thread (decision 0023),
     * which sets the pace of a sync; it stays alive a few seconds after its last commit. The commit threads
     * of earlier rounds have other names.
     */
    private static long threadCpu(String name) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                .mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.threadId()))).sum();
    }

    /** The recorded request with the token put back (the log redacts it), to replay exactly what was sent. */
    private static WireRequest unredacted(WireRequest r) {
        String uri = r.uri().toString().replace(WireRequest.REDACTED, BenchClients.TOKEN)
                .replace("%5Bredacted%5D", BenchClients.TOKEN);
        return new WireRequest(r.method(), java.net.URI.create(uri), r.headers(), r.body());
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }
}
