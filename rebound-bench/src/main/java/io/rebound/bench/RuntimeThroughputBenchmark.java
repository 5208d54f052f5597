package io.rebound.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/**
 * How many events per second the embedded log's consumers drain, alone on the machine (no HTTP, no
 * load generator): the ceiling behind the end-to-end rate and event-to-membership latency. A fixed
 * load is appended to the log first; then the event indexer and the audience runtime (with the five
 * segment templates, as {@code rebound-bench/collector-bench.sh} defines them) consume it side by
 * side, as in the server, and each reports when it has no lag left. Run by hand:
 * {@code rebound-bench/runtime-bench.sh [events] [visitors] [segments] [rounds] [warm-up events]}. The load is a
 * store's mix of page views, product views, carts and purchases over 20 days, out of order; with
 * {@code LOAD=product-views}, product views in order, as the collector benchmark's batches send them.
 *
 * <p>A warm-up round (its own data directory, the same templates, other visitors; as many events as a
 * measured round unless told) runs first so that the JIT has compiled the consumers before anything is
 * timed; then {@code rounds} measured rounds, each on a new data directory with the same load, and their
 * median.
 */
public final class RuntimeThroughputBenchmark {
    private RuntimeThroughputBenchmark() {
    }

    /** Membership point lookups ("is person P in segment S now?") from all cores, as an ad server would ask. */
    private static void lookups(EmbeddedAudienceRuntime runtime, String store, int visitors) throws Exception {
        var reader = runtime.reader();
        List<String> segments = runtime.segments(store).stream().map(s -> s.id()).toList();
        String[] persons = new String[visitors];
        for (int v = 0; v < visitors; v++) {
            persons[v] = reader.personOf(store, "v" + v).orElse("v" + v);
        }
        int threads = Runtime.getRuntime().availableProcessors();
        long perThread = 2_000_000;
        for (int round = 0; round < 2; round++) { // the first round warms up the JIT and the block cache
            java.util.concurrent.atomic.AtomicLong hits = new java.util.concurrent.atomic.AtomicLong();
            List<Thread> workers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    Random r = new Random(seed);
                    long h = 0;
                    for (long i = 0; i < perThread; i++) {
                        if (reader.isMember(store, segments.get(r.nextInt(segments.size())), persons[r.nextInt(persons.length)])) {
                            h++;
                        }
                    }
                    hits.addAndGet(h);
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (round == 1) {
                System.out.printf("membership lookups: %,d on %d threads in %.2f s = %,.0f lookups/s (%.0f%% hits)%n",
                        perThread * threads, threads, seconds, perThread * threads / seconds,
                        100.0 * hits.get() / (perThread * threads));
            }
        }
    }

    /** One round's figures: wall-clock rate and CPU per event of each consumer and of the whole process. */
    private record Round(double eventsPerSecond, double runtimeMicros, double indexerMicros, double processMicros,
                         double runtimeBytes, double indexerBytes) {
    }

    public static void main(String[] args) throws Exception {
        int events = Args.intArg(args, 0, 300_000);
        int visitors = Args.intArg(args, 1, 30_000);
        int segmentCount = Args.intArg(args, 2, SegmentTemplates.IDS.size());
        int rounds = Args.intArg(args, 3, 3);
        int warmupEvents = Args.intArg(args, 4, events);
        // Warm-up: the same templates and load shape on its own data directory, with other visitors (w…), filled
        // and drained first so that the measured rounds do not pay for the JIT compiling the consumers' code.
        if (warmupEvents > 0) {
            round("warm-up", warmupEvents, visitors, segmentCount, 11, "w", false);
        }
        List<Round> measured = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
            // Every measured round starts from an empty data directory with the same load (seed 7, visitors v…).
            measured.add(round("round " + i + "/" + rounds, events, visitors, segmentCount, 7, "v", i == rounds));
        }
        if (rounds > 1) {
            System.out.printf("median of %d rounds: %,.0f events/s (min %,.0f, max %,.0f); CPU per event: audience runtime"
                            + " %.1f µs, indexer %.1f µs, whole process %.1f µs%n", rounds,
                    median(measured, Round::eventsPerSecond), measured.stream().mapToDouble(Round::eventsPerSecond).min().orElseThrow(),
                    measured.stream().mapToDouble(Round::eventsPerSecond).max().orElseThrow(),
                    median(measured, Round::runtimeMicros), median(measured, Round::indexerMicros),
                    median(measured, Round::processMicros));
            System.out.printf("median of %d rounds: heap allocated per event: audience runtime %,.0f bytes, indexer %,.0f bytes;"
                            + " lowest CPU per event: audience runtime %.1f µs, indexer %.1f µs%n", rounds,
                    median(measured, Round::runtimeBytes), median(measured, Round::indexerBytes),
                    measured.stream().mapToDouble(Round::runtimeMicros).min().orElseThrow(),
                    measured.stream().mapToDouble(Round::indexerMicros).min().orElseThrow());
        }
    }

    private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> figure) {
        double[] v = rounds.stream().mapToDouble(figure).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Fills a log in a new data directory with {@code events} events, then has the consumers drain it; timed. */
    private static Round round(String label, int events, int visitors, int segmentCount, long seed, String visitorPrefix,
                               boolean lookups) throws Exception {
        Path dir = Files.createTempDirectory("rebound-runtime-bench");
        try (Database db = Database.embedded(dir);
             FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksDatabase rocks = new RocksDatabase(dir.resolve("state"),
                     Stream.concat(EventIndexer.COLUMN_FAMILIES.stream(), AudienceColumns.ALL.stream()).toList())) {
            String store = new JdbcStoreRepository(db).create("Bench", false).store().id();
            // The segments first, then the load; the consumers start on the full log (the runtime restores the segments).
            try (EmbeddedAudienceRuntime setup = runtime(log, rocks, db)) {
                for (String t : SegmentTemplates.IDS.subList(0, segmentCount)) {
                    setup.createSegment(store, SegmentTemplates.instantiate(t, null, null), t);
                }
            }
            Random r = new Random(seed);
            Instant now = Instant.now();
            List<Event> batch = new ArrayList<>(1_000);
            boolean productViews = "product-views".equals(System.getenv("LOAD"));
            for (int i = 0; i < events; i++) {
                EventType type = productViews ? EventType.VIEW_CONTENT : switch (r.nextInt(10)) {
                    case 0, 1, 2, 3 -> EventType.PAGE_VIEW;
                    case 4, 5, 6 -> EventType.VIEW_CONTENT;
                    case 7, 8 -> EventType.ADD_TO_CART;
                    default -> EventType.PURCHASE;
                };
                // LOAD=product-views: what rebound-bench/wrk/batch.lua sends, product views as they happen, in order.
                Instant at = productViews ? now.minusMillis(events - i) : now.minusSeconds(r.nextInt(20 * 86_400));
                batch.add(Event.builder(store, "e" + i, type, at, now).anonymousId(visitorPrefix + r.nextInt(visitors))
                        .products(type == EventType.PAGE_VIEW ? List.of()
                                : List.of(new Product("p" + r.nextInt(500), "c", new BigDecimal("68"), 1)))
                        .value(new BigDecimal("68")).currency("USD").build());
                if (batch.size() == 1_000) {
                    log.append(batch).join();
                    batch = new ArrayList<>(1_000);
                }
            }
            log.append(batch).join();
            long t0 = System.nanoTime();
            double runtimeSeconds;
            double[] indexerSeconds = new double[1];
            try (EmbeddedAudienceRuntime runtime = runtime(log, rocks, db);
                 EventIndexer indexer = new EventIndexer(log.records(), rocks, new SimpleMeterRegistry())) {
                long[] writerCpu = {cpuOf("audience-writer"), 0};
                long[] indexerCpu = {cpuOf("event-indexer"), 0};
                long[] writerBytes = {allocatedOf("audience-writer"), 0};
                long[] indexerBytes = {allocatedOf("event-indexer"), 0};
                long processCpu = processCpu();
                Map<String, Long> threadsBefore = threadTicks();
                Thread indexed = Thread.ofPlatform().start(() -> {
                    try {
                        indexer.awaitCaughtUp(600_000);
                        indexerSeconds[0] = (System.nanoTime() - t0) / 1e9;
                        indexerCpu[1] = cpuOf("event-indexer");
                        indexerBytes[1] = allocatedOf("event-indexer");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                runtime.awaitCaughtUp(600_000);
                runtimeSeconds = (System.nanoTime() - t0) / 1e9;
                writerCpu[1] = cpuOf("audience-writer");
                writerBytes[1] = allocatedOf("audience-writer");
                indexed.join();
                long processCpuNanos = processCpu() - processCpu;
                double seconds = Math.max(runtimeSeconds, indexerSeconds[0]);
                Round result = new Round(events / seconds, (writerCpu[1] - writerCpu[0]) / 1e3 / events,
                        (indexerCpu[1] - indexerCpu[0]) / 1e3 / events, processCpuNanos / 1e3 / events,
                        (double) (writerBytes[1] - writerBytes[0]) / events, (double) (indexerBytes[1] - indexerBytes[0]) / events);
                System.out.printf("%s: consumers drained %,d events (%,d visitors, %d segments) in %.2f s = %,.0f events/s"
                                + " (audience runtime done after %.2f s, indexer after %.2f s)%n",
                        label, events, visitors, segmentCount, seconds, result.eventsPerSecond(), runtimeSeconds,
                        indexerSeconds[0]);
                // CPU time per event: what the load of other processes on a shared machine moves least.
                System.out.printf("%s: CPU per event: audience runtime %.1f µs, indexer %.1f µs, whole process %.1f µs;"
                                + " heap allocated per event: audience runtime %,.0f bytes, indexer %,.0f bytes%n",
                        label, result.runtimeMicros(), result.indexerMicros(), result.processMicros(),
                        result.runtimeBytes(), result.indexerBytes());
                if (Boolean.getBoolean("rebound.bench.threads")) {
                    Map<String, Long> after = threadTicks();
                    after.replaceAll((name, ticks) -> ticks - threadsBefore.getOrDefault(name, 0L));
                    after.entrySet().stream().filter(e -> e.getValue() > 0)
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                            .forEach(e -> System.out.printf("  CPU of %-18s %6.2f s%n", e.getKey(), e.getValue() / 100.0));
                }
                if (lookups) {
                    lookups(runtime, store, visitors);
                }
                return result;
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** CPU time so far of the thread with this name (the consumers' own threads), in ns. */
    private static long cpuOf(String threadName) {
        // The newest live thread of that name: an earlier round's consumer may not have ended yet.
        Thread thread = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(threadName))
                .max(java.util.Comparator.comparingLong(Thread::threadId))
                .orElseThrow(() -> new IllegalStateException("no thread " + threadName));
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(thread.threadId());
    }

    /**
     * Heap allocated so far by the consumer with this thread name, in bytes: its thread, and the one it
     * hands over to at the background priority once behind ({@code name-behind}, ConsumerThreads) if it
     * has one. Unlike CPU time, the load of other processes does not move it.
     */
    private static long allocatedOf(String threadName) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = 0;
        for (String name : List.of(threadName, threadName + "-behind")) {
            Thread thread = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                    .max(java.util.Comparator.comparingLong(Thread::threadId)).orElse(null);
            if (thread == null && name.equals(threadName)) {
                throw new IllegalStateException("no thread " + threadName);
            }
            bytes += thread == null ? 0 : mx.getThreadAllocatedBytes(thread.threadId());
        }
        return bytes;
    }

    /** CPU ticks (1/100 s) of every thread of this process, native ones included, summed by name (Linux only). */
    private static Map<String, Long> threadTicks() throws java.io.IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[#0-9]+$", "");
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static EmbeddedAudienceRuntime runtime(FileEventLog log, RocksDatabase rocks, Database db) {
        return new EmbeddedAudienceRuntime(log.records(), rocks, new SegmentRepository(db.dataSource()),
                id -> Optional.empty(), Clock.systemUTC());
    }
}
