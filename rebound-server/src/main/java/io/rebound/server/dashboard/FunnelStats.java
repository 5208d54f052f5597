package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Funnel and instrumentation diagnostics per store, maintained incrementally from the indexer
 * listener so that a funnel page never scans events.
 *
 * <p>Unique visitors per step over "the last N days" come from one set per day of the visitors
 * seen that day, each with the steps they did ({@link DayVisitors}): a query unions the days of
 * its period. A day's set is exact (64-bit hashes of the visitor ids, with a per-process random
 * seed) up to {@value #EXACT_VISITORS_PER_DAY} visitors; past that it becomes one UltraLogLog
 * sketch per step (hash4j, 4 KB each, about 1.2 % standard error), and a period that includes
 * such a day is estimated. So a store's memory is bounded by its days, not its visitors: at most
 * {@value #MAX_DAYS} + 2 days of at most ~150 KB, whatever ids the internet sends. Days more than
 * {@value #MAX_DAYS} days before an event's arrival are not kept (no funnel can show them).
 *
 * <p>Daily counters hold events, events without an anonymous id, purchases, purchases with no
 * earlier add-to-cart (re-classified when a late, backdated add-to-cart arrives) and likely
 * duplicates. Those per-visitor diagnoses need a visitor's recent history, kept for the
 * {@value #RECENT_VISITORS} most recently seen visitors of a store; a visitor not among them is new
 * to the diagnosis (a purchase of theirs may count as an orphan). The product ids events sent are
 * kept with the last day each was sent (at most {@value #MAX_PRODUCTS} per store, dropped after
 * {@value #MAX_DAYS} days unseen), so the funnel page can check the last
 * {@value #CATALOG_DAYS} days' ids against the catalog. Everything lives in memory and is rebuilt
 * at start from the visitor event table (see {@link Dashboard}).
 */
public final class FunnelStats {
    public static final int MAX_DAYS = 90;
    /** Same type, products and value from the same visitor within this time: a likely duplicate. */
    static final long NEAR_DUPLICATE_MILLIS = 10_000;
    static final List<EventType> STEPS = SetupProgress.STEPS;
    static final String[] STEP_LABELS = {"Page view", "Product view", "Add to cart", "Checkout", "Purchase"};
    private static final int ANY = 5;
    private static final int TRACKS = 6;
    private static final int EVENTS = 0;
    private static final int NO_ANON = 1;
    private static final int PURCHASES = 2;
    private static final int ORPHANS = 3;
    private static final int NEAR_DUPS = 4;
    private static final int COUNTERS = 5;
    private static final long DAY_MILLIS = 86_400_000L;
    /** Visitors per store and day counted exactly; a busier day is estimated. */
    static final int EXACT_VISITORS_PER_DAY = 10_000;
    /** Visitors per store whose recent history the duplicate and orphan diagnoses see. */
    static final int RECENT_VISITORS = 10_000;
    /** Product ids per store tracked for the catalog check. */
    static final int MAX_PRODUCTS = 50_000;
    /** The window of the catalog check: product ids events sent in this many last days. */
    public static final int CATALOG_DAYS = 30;
    /** Purchase times kept per visitor, for re-classifying orphans when a backdated add-to-cart arrives. */
    private static final int MAX_PURCHASES = 32;
    private static final Hasher64 VISITOR_HASH = Hashing.komihash5_0(new SecureRandom().nextLong());

    /** What the live debugger can say about one event beyond its own fields. */
    public record Diagnosis(boolean likelyDuplicate, boolean orphanPurchase) {
        public static final Diagnosis NONE = new Diagnosis(false, false);
    }

    /**
     * Unique visitors at one funnel step; {@code dropOffPercent} from the previous step, null for the first;
     * {@code widthPercent} the bar width, 85 for the widest step (room for the label).
     */
    public record Step(String label, String type, long visitors, Long dropOffPercent, int widthPercent) {
    }

    /** Everything the funnel page shows, for one store and period. */
    public record Report(int days, List<Step> steps, long events, long eventsWithoutAnonymousId, long purchases,
                         long orphanPurchases, long likelyDuplicates, long visitors30d) {
        public String percent(long part, long whole) {
            return whole == 0 ? "–" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * part / whole);
        }
    }

    private final Map<String, StoreStats> stores = new ConcurrentHashMap<>();

    /** Adds one new (already deduplicated) event; returns what it reveals about instrumentation. */
    public Diagnosis accept(Event e) {
        return stores.computeIfAbsent(e.storeId(), k -> new StoreStats()).accept(e);
    }

    /**
     * Privacy erasure: the store's entries of these visitor ids are dropped — the recent-visitor
     * entry and the day tables while they are exact (a day past its exact bound keeps only sketch
     * registers, which hold no visitor). The day totals, which name no one, stay.
     */
    public void forget(String storeId, java.util.Set<String> visitorIds) {
        StoreStats s = stores.get(storeId);
        if (s != null) {
            s.forget(visitorIds);
        }
    }

    /** The funnel of the last {@code days} (1..90) days up to {@code now}. */
    public Report report(String storeId, int days, Instant now) {
        int d = Math.max(1, Math.min(MAX_DAYS, days));
        StoreStats s = stores.get(storeId);
        return (s == null ? new StoreStats() : s).report(d, day(now.toEpochMilli()));
    }

    /**
     * The product ids the store's events referenced, views included: those of the stored events
     * replayed at start and of every event since, at most {@value #MAX_PRODUCTS} (the first seen).
     */
    public java.util.Set<String> productIds(String storeId) {
        StoreStats s = stores.get(storeId);
        return s == null ? java.util.Set.of() : s.productIds(Integer.MIN_VALUE);
    }

    /**
     * The product ids the store's events (views included) sent in the last {@code days} days up to
     * {@code now}, by event time: what the catalog check compares with the catalog.
     */
    public java.util.Set<String> productIds(String storeId, Instant now, int days) {
        StoreStats s = stores.get(storeId);
        return s == null ? java.util.Set.of() : s.productIds(day(now.toEpochMilli()) - days + 1);
    }

    /** Drops visitors not seen for more than {@link #MAX_DAYS} days (they cannot count any more). */
    public void prune(Instant now) {
        int oldest = day(now.toEpochMilli()) - MAX_DAYS - 1;
        stores.values().forEach(s -> s.prune(oldest));
    }

    static int day(long epochMillis) {
        return (int) Math.floorDiv(epochMillis, DAY_MILLIS);
    }

    /** What the duplicate and orphan diagnoses remember of one visitor. */
    private static final class Visitor {
        long firstAddToCart = Long.MAX_VALUE;
        long[] purchases = new long[0];
        long signature;
        long signatureTime = Long.MIN_VALUE;
    }

    private static final class StoreStats {
        /** The most recently seen visitors, least recent first (access order). */
        private final Map<Long, Visitor> visitors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Visitor> eldest) {
                return size() > RECENT_VISITORS;
            }
        };
        private final Map<Integer, DayVisitors> visitorsByDay = new HashMap<>();
        private final Map<Integer, long[]> counters = new HashMap<>();
        /** Product id → the last day an event sent it. */
        private final Map<String, Integer> products = new HashMap<>();

        synchronized Diagnosis accept(Event e) {
            long t = e.eventTime().toEpochMilli();
            int day = day(t);
            long[] c = counters.computeIfAbsent(day, k -> new long[COUNTERS]);
            c[EVENTS]++;
            if (e.anonymousId() == null) {
                c[NO_ANON]++;
            }
            long visitor = VISITOR_HASH.hashCharsToLong(e.visitorId());
            Visitor v = visitors.computeIfAbsent(visitor, k -> new Visitor());
            if (day >= day(e.receivedAt().toEpochMilli()) - MAX_DAYS - 1) {
                int step = STEPS.indexOf(e.type());
                visitorsByDay.computeIfAbsent(day, k -> new DayVisitors())
                        .add(visitor, (1 << ANY) | (step >= 0 ? 1 << step : 0));
            }
            boolean orphan = false;
            if (e.type() == EventType.ADD_TO_CART && t < v.firstAddToCart) {
                // A purchase between this (possibly backdated) add-to-cart and the previous first
                // one was counted as an orphan; it no longer is.
                for (long p : v.purchases) {
                    if (p >= t && p < v.firstAddToCart) {
                        counters.computeIfAbsent(day(p), k -> new long[COUNTERS])[ORPHANS]--;
                    }
                }
                v.firstAddToCart = t;
            } else if (e.type() == EventType.PURCHASE) {
                c[PURCHASES]++;
                orphan = v.firstAddToCart > t;
                if (orphan) {
                    c[ORPHANS]++;
                }
                if (v.purchases.length < MAX_PURCHASES) {
                    v.purchases = Arrays.copyOf(v.purchases, v.purchases.length + 1);
                    v.purchases[v.purchases.length - 1] = t;
                }
            }
            products(e, day);
            boolean duplicate = false;
            if (e.type() != EventType.PAGE_VIEW && e.type() != EventType.IDENTIFY) {
                long sig = Objects.hash(e.type(), e.productIds(), e.value() == null ? null : e.value().stripTrailingZeros(),
                        e.currency(), e.name());
                duplicate = v.signature == sig && Math.abs(t - v.signatureTime) <= NEAR_DUPLICATE_MILLIS;
                if (duplicate) {
                    c[NEAR_DUPS]++;
                }
                v.signature = sig;
                v.signatureTime = t;
            }
            return !duplicate && !orphan ? Diagnosis.NONE : new Diagnosis(duplicate, orphan);
        }

        private void products(Event e, int day) {
            for (String id : e.productIds()) {
                Integer last = products.get(id);
                if (last != null) {
                    products.put(id, Math.max(last, day));
                } else if (products.size() < MAX_PRODUCTS) {
                    products.put(id, day);
                }
            }
        }

        synchronized void forget(java.util.Set<String> visitorIds) {
            for (String id : visitorIds) {
                long visitor = VISITOR_HASH.hashCharsToLong(id);
                visitors.remove(visitor);
                visitorsByDay.values().forEach(d -> d.remove(visitor));
            }
        }

        synchronized Report report(int days, int today) {
            // Events may be up to a few minutes in the future (clock skew tolerance): include tomorrow.
            int from = today - days + 1;
            long[] uniques = new long[TRACKS + 1];
            DayVisitors.count(visitorsByDay, from, today - 29, today + 1, uniques);
            long visitors30 = uniques[TRACKS];
            long[] sum = new long[COUNTERS];
            for (int d = from; d <= today + 1; d++) {
                long[] c = counters.get(d);
                if (c != null) {
                    for (int i = 0; i < COUNTERS; i++) {
                        sum[i] += c[i];
                    }
                }
            }
            long top = Math.max(1, Arrays.stream(uniques, 0, STEPS.size()).max().orElse(1));
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < STEPS.size(); i++) {
                Long drop = null;
                if (i > 0 && uniques[i - 1] > 0) {
                    drop = Math.max(0, Math.round(100.0 * (uniques[i - 1] - uniques[i]) / uniques[i - 1]));
                }
                steps.add(new Step(STEP_LABELS[i], STEPS.get(i).canonicalName(), uniques[i], drop,
                        (int) Math.round(85.0 * uniques[i] / top)));
            }
            return new Report(days, steps, sum[EVENTS], sum[NO_ANON], sum[PURCHASES], Math.max(0, sum[ORPHANS]),
                    sum[NEAR_DUPS], visitors30);
        }

        synchronized java.util.Set<String> productIds(int fromDay) {
            java.util.Set<String> out = new java.util.HashSet<>();
            products.forEach((id, last) -> {
                if (last >= fromDay) {
                    out.add(id);
                }
            });
            return out;
        }

        synchronized void prune(int oldestDay) {
            visitorsByDay.keySet().removeIf(d -> d < oldestDay);
            counters.keySet().removeIf(d -> d < oldestDay);
            products.values().removeIf(d -> d < oldestDay);
        }
    }
}
