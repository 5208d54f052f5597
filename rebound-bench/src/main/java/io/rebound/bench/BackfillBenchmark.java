package io.rebound.bench;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.core.engine.SegmentBackfill;
import io.rebound.core.engine.SegmentStatus;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.VisitorState;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * Backfill of a new segment over generated history, compared in the same run with DuckDB computing
 * the same segment in SQL over the same events. Run by hand:
 *
 * <pre>rebound-bench/backfill-bench.sh [events] [visitors] [products] [days]</pre>
 *
 * <p>The engine side runs what the runtime's backfill pass runs per person, {@link SegmentBackfill#step}
 * over the stored person state (the bytes the RocksDB runtime keeps): leave alone who cannot become a
 * member from the segment's start, bring the rest in line with {@link AudienceProcessor#backfill} —
 * and encodes each new state as the runtime does before writing it. Not timed: RocksDB's scan and
 * write. DuckDB gets the raw events in a table (load not timed) and answers one SQL query. Both must
 * find the same members. Also reports the state size per retained event.
 */
public final class BackfillBenchmark {
    private static final String STORE = "st_bench";
    private static final String SEGMENT_ID = "seg_new";
    private static final SegmentStatus NOT_MEMBER = new SegmentStatus(false, Instant.EPOCH);
    /** A session's steps after its page view; each is taken with its {@link #ONWARD} chance once the one before was. */
    private static final EventType[] FUNNEL = {EventType.VIEW_CONTENT, EventType.ADD_TO_CART, EventType.INITIATE_CHECKOUT,
            EventType.PURCHASE};
    private static final double[] ONWARD = {0.8, 0.3, 0.35, 0.6};
    /** The longest pause (plus one second) after each step but the purchase. */
    private static final int[] PAUSE_MILLIS = {60_000, 120_000, 120_000};

    private static volatile long lastProcessed;

    private BackfillBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long targetEvents = Args.longArg(args, 0, 10_000_000L);
        int visitors = Args.intArg(args, 1, 500_000);
        int products = Args.intArg(args, 2, 5_000);
        int days = Args.intArg(args, 3, 30);
        int runs = Integer.getInteger("rebound.bench.runs", 10);
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        SegmentDefinition abandoners = SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE);

        byte[][] states = new byte[visitors][];
        long events = 0;
        long stateBytes = 0;
        double perVisitor = (double) targetEvents / visitors;
        Random random = new Random(42);
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement st = duck.createStatement()) {
                st.execute("CREATE TABLE events (visitor VARCHAR, type VARCHAR, t BIGINT, product VARCHAR)");
            }
            long genStart = System.nanoTime();
            try (DuckDBAppender app = duck.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events")) {
                for (int v = 0; v < visitors; v++) {
                    String visitor = "v" + v;
                    List<Event> journey = journey(random, visitor, v, perVisitor, products, days, now);
                    VisitorState state = VisitorState.EMPTY;
                    for (Event e : journey) {
                        state = state.add(e);
                        app.beginRow();
                        app.append(visitor);
                        app.append(e.type().canonicalName());
                        app.append(e.eventTime().toEpochMilli());
                        app.append(e.products().isEmpty() ? null : e.products().get(0).id());
                        app.endRow();
                    }
                    events += journey.size();
                    // As the runtime leaves a person: ids known, evaluated when the last event arrived.
                    PersonState person = new PersonState(STORE, visitor,
                            new PersonIds(Set.of(visitor), Set.of(), Set.of()), state, Map.of(),
                            now.minusSeconds(1), null);
                    byte[] bytes = PersonStateCodec.encode(person);
                    states[v] = bytes;
                    stateBytes += bytes.length;
                }
            }
            // The states in key order, one after the other, as a scan of the store reads them — not scattered
            // among the garbage of generating them.
            for (int v = 0; v < visitors; v++) {
                states[v] = states[v].clone();
            }
            System.gc();
            System.out.printf("generated %,d events for %,d visitors over %d days, %,d products (%.1f s)%n",
                    events, visitors, days, products, (System.nanoTime() - genStart) / 1e9);
            System.out.printf("state: %,d bytes = %.1f bytes per retained event (PersonStateCodec, excluding the key)%n",
                    stateBytes, (double) stateBytes / events);

            String sql = """
                    WITH w AS (SELECT visitor, type, t FROM events WHERE t > %d AND t <= %d),
                         adds AS (SELECT visitor, max(t) AS last_add FROM w WHERE type = 'AddToCart' GROUP BY visitor)
                    SELECT count(*) FROM adds a
                    WHERE NOT EXISTS (SELECT 1 FROM w p WHERE p.visitor = a.visitor AND p.type = 'Purchase'
                                      AND p.t >= a.last_add)
                    """.formatted(now.minus(Duration.ofDays(7)).toEpochMilli(), now.toEpochMilli());
            long duckMembers = 0;
            long duckBest = Long.MAX_VALUE;
            try (Statement st = duck.createStatement()) {
                st.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
                for (int run = 0; run < runs; run++) {
                    long t0 = System.nanoTime();
                    try (ResultSet rs = st.executeQuery(sql)) {
                        rs.next();
                        duckMembers = rs.getLong(1);
                    }
                    duckBest = Math.min(duckBest, System.nanoTime() - t0);
                }
            }

            List<Segment> alone = List.of(new Segment(STORE, SEGMENT_ID, abandoners, now));
            long engineOneBest = Long.MAX_VALUE;
            long engineAllBest = Long.MAX_VALUE;
            long engineMembers = 0;
            for (int run = 0; run < runs; run++) {
                long t0 = System.nanoTime();
                engineMembers = backfill(states, alone, now, false);
                engineOneBest = Math.min(engineOneBest, System.nanoTime() - t0);
                t0 = System.nanoTime();
                backfill(states, alone, now, true);
                engineAllBest = Math.min(engineAllBest, System.nanoTime() - t0);
            }
            if (engineMembers != duckMembers) {
                throw new IllegalStateException("engine found " + engineMembers + " members, DuckDB " + duckMembers);
            }
            long processedAlone = lastProcessed;

            // The same new segment in a store that already has the other templates: its persons carry their
            // statuses and timers, as the runtime left them when those segments were built.
            SegmentTemplates.Scope store = SegmentTemplates.Scope.STORE;
            Instant built = now.minusSeconds(2);
            List<Segment> others = List.of(
                    new Segment(STORE, "seg_viewers", SegmentTemplates.productViewers(14, store), built),
                    new Segment(STORE, "seg_purchasers", SegmentTemplates.pastPurchasers(30, store), built),
                    new Segment(STORE, "seg_reminder", SegmentTemplates.abandonerReminder(store), built),
                    new Segment(STORE, "seg_offer", SegmentTemplates.abandonerOffer(store), built));
            AudienceProcessor before = new AudienceProcessor(STORE, others, Duration.ofDays(180));
            byte[][] withOthers = new byte[visitors][];
            for (int v = 0; v < visitors; v++) {
                PersonState p = PersonStateCodec.decode(states[v]);
                p = new PersonState(p.storeId(), p.personId(), p.ids(), p.visitor(), p.segments(), now.minusSeconds(3), null);
                withOthers[v] = PersonStateCodec.encode(before.backfill(p, now.minusSeconds(1)).state());
            }
            System.gc();
            List<Segment> all = new ArrayList<>(others);
            all.addAll(alone);
            long withOthersBest = Long.MAX_VALUE;
            for (int run = 0; run < runs; run++) {
                long t0 = System.nanoTime();
                long m = backfill(withOthers, all, now, true);
                withOthersBest = Math.min(withOthersBest, System.nanoTime() - t0);
                if (m != duckMembers) {
                    throw new IllegalStateException("engine found " + m + " members beside 4 segments, DuckDB "
                            + duckMembers);
                }
            }
            int cores = Runtime.getRuntime().availableProcessors();
            System.out.printf("segment: %s -> %,d members (engine and DuckDB agree); the engine processed %,d persons"
                    + " and left %,d alone from their header%n", abandoners.name(), engineMembers, processedAlone,
                    visitors - processedAlone);
            System.out.printf("DuckDB SQL, %d threads         %8.3f s%n", cores, duckBest / 1e9);
            System.out.printf("engine backfill, 1 thread      %8.3f s   %.2fx DuckDB's time%n",
                    engineOneBest / 1e9, (double) engineOneBest / duckBest);
            System.out.printf("engine backfill, %d threads     %8.3f s   %.2fx DuckDB's time%n",
                    cores, engineAllBest / 1e9, (double) engineAllBest / duckBest);
            System.out.printf("the same, beside 4 segments    %8.3f s   %.2fx DuckDB's time  (%d threads; the store's"
                    + " other templates already built)%n", withOthersBest / 1e9, (double) withOthersBest / duckBest,
                    cores);
        }
    }

    private static long backfill(byte[][] states, List<Segment> segments, Instant now, boolean parallel) {
        // The runtime's backfill pass: the processor holding the store's segments, and the same per-person
        // step (SegmentBackfill) over the stored bytes, then the encoding of each new state to write.
        AudienceProcessor processor = new AudienceProcessor(STORE, segments, Duration.ofDays(180));
        SegmentBackfill backfill = new SegmentBackfill(processor, SEGMENT_ID);
        LongAdder members = new LongAdder();
        LongAdder written = new LongAdder();
        LongAdder processed = new LongAdder();
        // Chunks of persons, as the runtime's pass takes them; counted per chunk, so the counting costs nothing.
        int chunk = 500;
        IntStream chunks = IntStream.range(0, (states.length + chunk - 1) / chunk);
        (parallel ? chunks.parallel() : chunks).forEach(c -> {
            long m = 0;
            long w = 0;
            long p = 0;
            for (int i = c * chunk; i < Math.min(states.length, (c + 1) * chunk); i++) {
                SegmentBackfill.Stored stored = backfill.step(states[i], now);
                if (stored == null) {
                    continue;
                }
                p++;
                w += stored.encoded().length;
                if (stored.result().state().segments().getOrDefault(SEGMENT_ID, NOT_MEMBER).member()) {
                    m++;
                }
            }
            members.add(m);
            written.add(w);
            processed.add(p);
        });
        if (written.sum() == 0 && members.sum() > 0) {
            throw new IllegalStateException("members without a state to write");
        }
        lastProcessed = processed.sum();
        return members.sum();
    }

    /** A visitor's sessions: page views, product views, some add-to-carts, fewer checkouts and purchases. */
    private static List<Event> journey(Random r, String visitor, int v, double mean, int products, int days, Instant now) {
        int count = Math.max(1, (int) Math.round(mean + r.nextGaussian() * mean / 4));
        List<Event> out = new ArrayList<>(count);
        long span = Duration.ofDays(days).toMillis();
        long t = now.toEpochMilli() - (long) (r.nextDouble() * span);
        int seq = 0;
        while (out.size() < count) {
            String product = "p" + zipf(r, products);
            BigDecimal price = BigDecimal.valueOf(10 + (product.hashCode() & 0x3f));
            out.add(event(visitor, v, seq++, EventType.PAGE_VIEW, t, null, null));
            t += 1_000 + r.nextInt(60_000);
            for (int step = 0; step < FUNNEL.length && out.size() < count && r.nextDouble() < ONWARD[step]; step++) {
                out.add(event(visitor, v, seq++, FUNNEL[step], t, product, price));
                if (step < PAUSE_MILLIS.length) {
                    t += 1_000 + r.nextInt(PAUSE_MILLIS[step]);
                }
            }
            // next session: minutes to days later, wrapping inside the window
            t += (long) (r.nextDouble() * Duration.ofDays(3).toMillis());
            if (t > now.toEpochMilli()) {
                t = now.toEpochMilli() - (long) (r.nextDouble() * span);
            }
        }
        return out;
    }

    private static Event event(String visitor, int v, int seq, EventType type, long t, String product, BigDecimal price) {
        Instant at = Instant.ofEpochMilli(t);
        Event.Builder b = Event.builder(STORE, v + "-" + seq, type, at, at).anonymousId(visitor);
        if (product != null) {
            b.products(List.of(new Product(product, null, price, 1))).value(price).currency("USD");
        }
        return b.build();
    }

    private static int zipf(Random r, int n) {
        // Popularity falls off like 1/rank: a few products get most views, as in real stores.
        double u = r.nextDouble();
        return (int) Math.min(n - 1, Math.floor(Math.pow(n + 1.0, u)) - 1);
    }
}
