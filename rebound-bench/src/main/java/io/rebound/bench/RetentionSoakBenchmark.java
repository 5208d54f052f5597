package io.rebound.bench;

import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.StoreRepository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Soak: a steady load against a real embedded server (HTTP collector, event log, indexer,
 * audience runtime with one segment, retention) whose clock runs {@code speed} times faster than
 * the wall clock, so that a store retention of one day and the log retention of one hour pass
 * several times within a run of minutes. Every visitor is new after ~20 events (churn, the worst
 * case for state that is never purged). Samples the data directory's size (log, RocksDB, rest)
 * and the heap in use after a full GC, then states whether both reached a plateau: once 1.5
 * retention periods have passed, the maxima of the second half of the samples against the first.
 * Run by hand: {@code rebound-bench/soak-bench.sh [minutes=12] [events-per-second=2000] [speed=360]}.
 */
public final class RetentionSoakBenchmark {
    private static final int BATCH = 50;
    private static final int EVENTS_PER_VISITOR = 20;
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(20);

    private RetentionSoakBenchmark() {
    }

    /** The wall clock sped up {@code speed} times from the moment it is made. */
    static final class FastClock extends Clock {
        private final Instant start = Instant.now();
        private final long startNanos = System.nanoTime();
        private final long speed;

        FastClock(long speed) {
            this.speed = speed;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return start.plusNanos((System.nanoTime() - startNanos) * speed);
        }
    }

    record Sample(double minutes, Duration clockElapsed, long accepted, long logBytes, long stateBytes,
                  long walBytes, long otherBytes, long heapBytes, long deletedEvents, long deletedLogFiles) {
        long diskBytes() {
            return logBytes + stateBytes + otherBytes;
        }
    }

    public static void main(String[] args) throws Exception {
        int minutes = Args.intArg(args, 0, 12);
        int rate = Args.intArg(args, 1, 2_000);
        long speed = Args.longArg(args, 2, 360);
        int retentionDays = 1;
        Path data = Files.createTempDirectory("rebound-soak");
        FastClock clock = new FastClock(speed);
        ServerConfig config = ServerConfig.defaults(data).withPort(0).withRateLimit(1e9, 1_000_000_000)
                .withLogRetention(Duration.ofHours(1)).withLogFileMb(8);
        System.out.printf("soak: %d min at %,d events/s, clock %d× (1 day of retention every %.1f min), data in %s%n",
                minutes, rate, speed, Duration.ofDays(retentionDays).toSeconds() / (double) speed / 60, data);
        List<Sample> samples = new ArrayList<>();
        try (ReboundServer server = ReboundServer.start(config, clock)) {
            StoreRepository.Created store = server.stores().create("Soak", false);
            server.stores().update(store.store().id(), "Soak", false, retentionDays);
            server.audiences().createSegment(store.store().id(),
                    SegmentTemplates.instantiate("cart_abandoners", retentionDays, null), "cart_abandoners");
            // The self-check audits per clock minute; keep it at its real-time rate.
            server.audiences().configureAudit(Duration.ofMinutes(1).multipliedBy(speed), 100);
            AtomicLong accepted = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
            HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2)).build();
            String auth = BenchClients.writeKeyAuth(store.store().writeKey());
            URI batchUri = URI.create(server.baseUrl() + "/v1/batch");
            AtomicLong sent = new AtomicLong();
            long periodMicros = 1_000_000L * BATCH / rate;
            load.scheduleAtFixedRate(() -> {
                String body = batch(sent.getAndAdd(BATCH));
                http.sendAsync(HttpRequest.newBuilder(batchUri).header("Content-Type", "application/json")
                                .header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> (e == null && r.statusCode() == 200 ? accepted : failed).addAndGet(BATCH));
            }, 0, periodMicros, TimeUnit.MICROSECONDS);

            long startNanos = System.nanoTime();
            Instant clockStart = clock.instant();
            long end = startNanos + TimeUnit.MINUTES.toNanos(minutes);
            System.out.println("  min   clock h   accepted     log MB  state MB (WAL)  other MB  disk MB  heap MB  "
                    + "events deleted  segments deleted");
            while (System.nanoTime() < end) {
                Thread.sleep(SAMPLE_EVERY.toMillis());
                System.gc();
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                Sample s = new Sample((System.nanoTime() - startNanos) / 60e9, Duration.between(clockStart, clock.instant()),
                        accepted.get(), size(data.resolve("log")), size(data.resolve("state")), wal(data.resolve("state")),
                        size(data) - size(data.resolve("log")) - size(data.resolve("state")), heap,
                        (long) server.metrics().get("rebound.retention.events.deleted").counter().count(),
                        (long) server.metrics().get("rebound.retention.log.segments.deleted").counter().count());
                samples.add(s);
                System.out.printf("%5.1f %9.1f %10d %10.1f %9.1f %5.1f %9.1f %8.1f %8.1f %15d %17d%n", s.minutes(),
                        s.clockElapsed().toMinutes() / 60.0, s.accepted(), mb(s.logBytes()), mb(s.stateBytes()),
                        mb(s.walBytes()),
                        mb(s.otherBytes()), mb(s.diskBytes()), mb(s.heapBytes()), s.deletedEvents(), s.deletedLogFiles());
            }
            load.shutdownNow();
            System.out.printf("accepted %,d events (%,.0f/s), %,d failed%n", accepted.get(),
                    accepted.get() / (minutes * 60.0), failed.get());
        } finally {
            deleteTree(data);
        }
        report(samples, Duration.ofDays(retentionDays).dividedBy(speed));
    }

    /** Plateau: the maxima of the second half of the settled samples against the first half's. */
    private static void report(List<Sample> samples, Duration retentionReal) {
        List<Sample> settled = samples.stream()
                .filter(s -> s.minutes() * 60 > retentionReal.toSeconds() * 1.5).toList();
        if (settled.size() < 4) {
            System.out.println("too short to judge a plateau: run longer than 2× the retention in real time ("
                    + retentionReal.multipliedBy(2).toSeconds() + " s)");
            return;
        }
        int q = settled.size() / 2;
        List<Sample> before = settled.subList(0, q);
        List<Sample> last = settled.subList(q, settled.size());
        System.out.printf("%nafter retention was reached (%.1f min onwards), second half against first half:%n",
                settled.getFirst().minutes());
        line("disk", before, last, Sample::diskBytes);
        line("  RocksDB SST files", before, last, s -> s.stateBytes() - s.walBytes());
        line("  RocksDB WAL", before, last, Sample::walBytes);
        line("  event log", before, last, Sample::logBytes);
        line("heap after GC", before, last, Sample::heapBytes);
        double spanSeconds = (last.getLast().minutes() - before.getFirst().minutes()) * 60;
        System.out.printf("over that span: %,d events accepted, %.1f retention periods (%d s each in real time)%n",
                last.getLast().accepted() - before.getFirst().accepted(), spanSeconds / retentionReal.toSeconds(),
                retentionReal.toSeconds());
    }

    private static void line(String what, List<Sample> before, List<Sample> last,
                             java.util.function.ToLongFunction<Sample> f) {
        long a = before.stream().mapToLong(f).max().orElse(0);
        long b = last.stream().mapToLong(f).max().orElse(0);
        double am = before.stream().mapToLong(f).average().orElse(0);
        double bm = last.stream().mapToLong(f).average().orElse(0);
        System.out.printf("%-20s max %7.1f → %7.1f MB (ratio %.2f)   mean %7.1f → %7.1f MB (ratio %.2f)%n", what,
                mb(a), mb(b), a == 0 ? 0 : b / (double) a, mb((long) am), mb((long) bm), am == 0 ? 0 : bm / am);
    }

    private static String batch(long first) {
        StringBuilder b = new StringBuilder(BATCH * 200).append("{\"batch\":[");
        for (int i = 0; i < BATCH; i++) {
            long n = first + i;
            long visitor = n / EVENTS_PER_VISITOR;
            String event = switch ((int) (n % 10)) {
                case 0, 1, 2, 3 -> "Page Viewed";
                case 4, 5, 6, 7 -> "Product Viewed";
                case 8 -> "Product Added";
                default -> "Checkout Started";
            };
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"type\":\"track\",\"event\":\"").append(event).append("\",\"messageId\":\"m-").append(n)
                    .append("\",\"anonymousId\":\"soak-").append(visitor).append("\",\"context\":{\"page\":{\"url\":")
                    .append("\"https://shop.example/p/").append(n % 500).append("\"}},\"properties\":{\"product_id\":\"p-")
                    .append(n % 500).append("\",\"category\":\"c-").append(n % 20).append("\",\"price\":")
                    .append(10 + n % 90).append("}}");
        }
        return b.append("]}").toString();
    }

    private static double mb(long bytes) {
        return bytes / 1e6;
    }

    private static long size(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;   // deleted while walking
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return size(dir);   // a file vanished mid-walk: walk again
        }
    }

    /** RocksDB's write-ahead log files: what memtables not yet flushed still need. */
    private static long wal(Path state) {
        try (Stream<Path> files = Files.list(state)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
