package io.rebound.testkit;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Segments created in quick succession while events flow (issue 15, found on a two-node cluster):
 * a history of visitors over 40 days, then seven segments created back to back with live events for
 * new and existing visitors between them, then every segment's members compared with a brute-force
 * evaluation of the same events — now, and again after a week, when windows have ended. Runs against
 * any runtime through a {@link Driver}, which may process asynchronously: that is where segments
 * and events race.
 */
public final class SuccessionScenario {

    public static final String STORE = "st_succession";
    public static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
    private static final String[] PRODUCTS = {"p1", "p2", "p3", "p4", "p5"};

    /** What the scenario needs of a runtime; every method but {@link #settle} may return before processing. */
    public interface Driver {
        /** Moves the runtime's clock forward. */
        void advanceTo(Instant now);

        /** Hands events to the runtime (the collector's append). */
        void send(List<Event> events);

        /** Creates a segment effective at the runtime's clock. */
        void createSegment(String segmentId, SegmentDefinition definition);

        /** Waits until everything sent is processed, every backfill has finished and every due timer fired. */
        void settle();

        /** The segment's members, as person ids. */
        Set<String> members(String segmentId);

        /** The person an anonymous visitor id belongs to. */
        String personOf(String visitorId);
    }

    /** A synchronous runtime of the behavioural contract as a driver. */
    public static Driver driver(AudienceRuntime runtime) {
        return new Driver() {
            @Override
            public void advanceTo(Instant now) {
                runtime.advanceTo(now);
            }

            @Override
            public void send(List<Event> events) {
                events.forEach(runtime::accept);
            }

            @Override
            public void createSegment(String segmentId, SegmentDefinition definition) {
                runtime.putSegment(STORE, segmentId, definition);
            }

            @Override
            public void settle() {
                runtime.advanceTo(runtime.now());
            }

            @Override
            public Set<String> members(String segmentId) {
                return runtime.members(STORE, segmentId);
            }

            @Override
            public String personOf(String visitorId) {
                return runtime.personOf(STORE, visitorId).orElse(null);
            }
        };
    }

    private final int visitors;
    private final int liveEvents;

    /**
     * @param visitors   visitors in the history (the run: 300)
     * @param liveEvents events sent while the segments are created (the run: about 1,000)
     */
    public SuccessionScenario(int visitors, int liveEvents) {
        this.visitors = visitors;
        this.liveEvents = liveEvents;
    }

    /** The seven segments of the run, in the order they are created. */
    public static Map<String, SegmentDefinition> segments() {
        Map<String, SegmentDefinition> s = new LinkedHashMap<>();
        s.put("viewers-no-cart", SegmentTemplates.productViewers(14, Scope.STORE));
        s.put("cart-abandoners", SegmentTemplates.cartAbandoners(7, Scope.STORE));
        s.put("buyers-30d", SegmentTemplates.pastPurchasers(30, Scope.STORE));
        s.put("frequent-viewers", parse("{include:[{event:ViewContent,within_days:30,min_count:3}]}"));
        s.put("any-intent", parse("{include:[{any:[{event:AddToCart,within_days:10},"
                + "{event:InitiateCheckout,within_days:5}]}],exclude:[{event:Purchase,within_days:10,since:last_include}]}"));
        s.put("big-buyers-30d", parse("{include:[{event:Purchase,within_days:30,sum_value_gte:100}]}"));
        s.put("p2-p3-carts", parse("{include:[{event:AddToCart,within_days:20,where:{product_id:[p2,p3]}}]}"));
        return s;
    }

    private static SegmentDefinition parse(String compact) {
        return MiniJson.segment("succession", compact);
    }

    /** The history: each visitor's 1–12 events spread over the 40 days before {@code now}. */
    public static List<Event> history(Random random, int visitors, Instant now) {
        List<Event> out = new ArrayList<>();
        for (int v = 0; v < visitors; v++) {
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) {
                out.add(event(random, "v" + v, now.minusMillis(random.nextLong(Duration.ofDays(40).toMillis())), "h" + v + "-" + i));
            }
        }
        java.util.Collections.shuffle(out, random);
        return out;
    }

    /** A live event at about {@code now} (up to a second earlier) of a new or existing visitor. */
    public static Event live(Random random, int visitors, int n, Instant now) {
        String visitor = "v" + random.nextInt(visitors + visitors / 5 + 1);
        return event(random, visitor, now.minusMillis(random.nextInt(1_000)), "l" + n);
    }

    private static Event event(Random random, String visitor, Instant at, String id) {
        int r = random.nextInt(100);
        String product = PRODUCTS[random.nextInt(PRODUCTS.length)];
        if (r < 12) {
            int cents = 500 + random.nextInt(15_000);
            return TestEvents.purchase(STORE, id, visitor, at, cents / 100 + "." + String.format("%02d", cents % 100), product);
        }
        EventType type = r < 55 ? EventType.VIEW_CONTENT : r < 85 ? EventType.ADD_TO_CART : EventType.INITIATE_CHECKOUT;
        return TestEvents.event(STORE, id, type, visitor, at, product);
    }

    /** Per segment, the visitors the brute-force reference puts in it at {@code t}. */
    public static Map<String, Set<String>> expected(Map<String, SegmentDefinition> segments, List<Event> events, Instant t) {
        Map<String, List<Event>> byVisitor = new TreeMap<>();
        for (Event e : events) {
            byVisitor.computeIfAbsent(e.anonymousId(), k -> new ArrayList<>()).add(e);
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        segments.forEach((id, d) -> {
            Set<String> members = new TreeSet<>();
            byVisitor.forEach((visitor, list) -> {
                if (ReferenceEvaluator.member(d, Persons.distinct(list), t)) {
                    members.add(visitor);
                }
            });
            out.put(id, members);
        });
        return out;
    }

    /** Runs one seed; throws {@link AssertionError} naming the seed, the instant, the segment and the difference. */
    public void run(long seed, Driver driver) {
        Random random = new Random(seed);
        Instant now = START;
        driver.advanceTo(now);
        List<Event> sent = new ArrayList<>(history(random, visitors, now));
        for (int i = 0; i < sent.size(); i += 100) {
            driver.send(sent.subList(i, Math.min(sent.size(), i + 100)));
        }
        Map<String, SegmentDefinition> segments = segments();
        int perGap = Math.max(1, liveEvents / segments.size());
        int n = 0;
        for (Map.Entry<String, SegmentDefinition> s : segments.entrySet()) {
            driver.createSegment(s.getKey(), s.getValue());
            for (int k = 0; k < perGap; k += 5) {
                now = now.plusMillis(1 + random.nextInt(20));
                driver.advanceTo(now);
                List<Event> batch = new ArrayList<>();
                for (int j = 0; j < 5; j++) {
                    batch.add(live(random, visitors, n++, now));
                }
                driver.send(batch);
                sent.addAll(batch);
            }
        }
        driver.settle();
        compare(seed, driver, segments, sent, now, true);
        now = now.plus(Duration.ofDays(7));
        driver.advanceTo(now);
        driver.settle();
        compare(seed, driver, segments, sent, now, false);
    }

    /**
     * Compares every segment's members at {@code t} with the reference.
     *
     * @param nonEmpty whether most segments must have members (so that the comparison says something)
     */
    public static void compare(long seed, Driver driver, Map<String, SegmentDefinition> segments, List<Event> sent,
                               Instant t, boolean nonEmpty) {
        Map<String, Set<String>> expected = expected(segments, sent, t);
        long filled = expected.values().stream().filter(m -> !m.isEmpty()).count();
        Check.that(!nonEmpty || 2 * filled >= expected.size(), "seed " + seed + ": the reference fills only " + filled
                + " of " + expected.size() + " segments");
        Map<String, String> persons = new TreeMap<>();
        expected.values().forEach(vs -> vs.forEach(v -> persons.computeIfAbsent(v, driver::personOf)));
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            Set<String> want = new TreeSet<>();
            e.getValue().forEach(v -> want.add(String.valueOf(persons.get(v))));
            Set<String> got = new TreeSet<>(driver.members(e.getKey()));
            if (!want.equals(got)) {
                Set<String> missing = new TreeSet<>(want);
                missing.removeAll(got);
                Set<String> extra = new TreeSet<>(got);
                extra.removeAll(want);
                throw new AssertionError("seed " + seed + ", segment " + e.getKey() + " at " + t + ": missing " + missing
                        + ", extra " + extra + " (" + want.size() + " expected)");
            }
        }
    }
}
