package io.rebound.bench;

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
import io.rebound.server.runtime.RocksStore;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * How many events per second the embedded audience runtime drains from the log, alone on the
 * machine (no HTTP, no load generator): the ceiling behind event-to-membership latency. Run by hand:
 * {@code rebound-bench/runtime-bench.sh [events] [visitors]}.
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

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int visitors = args.length > 1 ? Integer.parseInt(args[1]) : 30_000;
        Path dir = Files.createTempDirectory("rebound-runtime-bench");
        try (Database db = Database.embedded(dir);
             FileEventLog log = new FileEventLog(dir.resolve("log"), false);
             RocksStore rocks = new RocksStore(dir.resolve("state"), AudienceColumns.ALL);
             EmbeddedAudienceRuntime runtime = new EmbeddedAudienceRuntime(log.segments(), rocks,
                     new SegmentRepository(db.dataSource()), id -> Optional.empty(), Clock.systemUTC())) {
            String store = new JdbcStoreRepository(db).create("Bench", false).store().id();
            for (String t : List.of("product_viewers", "cart_abandoners", "past_purchasers")) {
                runtime.createSegment(store, SegmentTemplates.instantiate(t, null, null), t);
            }
            Random r = new Random(7);
            Instant now = Instant.now();
            List<Event> batch = new ArrayList<>(1_000);
            for (int i = 0; i < events; i++) {
                EventType type = switch (r.nextInt(10)) {
                    case 0, 1, 2, 3 -> EventType.PAGE_VIEW;
                    case 4, 5, 6 -> EventType.VIEW_CONTENT;
                    case 7, 8 -> EventType.ADD_TO_CART;
                    default -> EventType.PURCHASE;
                };
                Instant at = now.minusSeconds(r.nextInt(20 * 86_400));
                batch.add(Event.builder(store, "e" + i, type, at, now).anonymousId("v" + r.nextInt(visitors))
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
            runtime.awaitCaughtUp(600_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("audience runtime drained %,d events (%,d visitors, 3 segments) in %.2f s = %,.0f events/s%n",
                    events, visitors, seconds, events / seconds);
            lookups(runtime, store, visitors);
        }
    }
}
