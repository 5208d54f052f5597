package io.rebound.server.commerce;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.server.feed.EventFeed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Co-purchase statistics per store: for each product, how many orders also held each other product,
 * counted in memory from the store's {@code Purchase} events (their product ids) as the
 * {@link EventFeed} delivers them — the stored events replayed at start, then every new event, each
 * event id once (the feed is deduplicated, so a pixel Purchase and the order webhook's Purchase with
 * the same order id count once). Why in memory and incremental: docs/decisions/0015.
 *
 * <p>Bounded, since orders are internet input: per order the first {@value #MAX_ITEMS_PER_ORDER}
 * distinct products, per store {@value #MAX_PRODUCTS} products, per product {@value #MAX_PARTNERS}
 * partners; once full, a new product or partner is not counted (the {@code dropped} count says how
 * often). The counts hold no person data, so an erasure leaves them.
 */
public final class CoPurchases implements EventFeed.Subscriber {
    public static final int MAX_ITEMS_PER_ORDER = 50;
    public static final int MAX_PRODUCTS = 20_000;
    public static final int MAX_PARTNERS = 100;
    /** Orders a pair must share before it is recommended: one order together is chance. */
    public static final int MIN_ORDERS = 2;

    private final Map<String, StoreCounts> stores = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean replayDone;

    @Override
    public void replayed(Event event) {
        count(event);
    }

    @Override
    public void replayDone(long replayed, List<Event> arrivedMeanwhile) {
        arrivedMeanwhile.forEach(this::count);
        replayDone = true;
    }

    @Override
    public void accepted(List<Event> batch) {
        if (replayDone) {
            batch.forEach(this::count);
        }
    }

    /** Whether the stored events have all been counted (before that, counts are partial). */
    public boolean ready() {
        return replayDone;
    }

    /** Counts one event: only a Purchase with two or more products adds anything. */
    void count(Event event) {
        if (event.type() != EventType.PURCHASE || event.productIds().size() < 2) {
            return;
        }
        Set<String> items = new LinkedHashSet<>();
        for (String id : event.productIds()) {
            if (id != null && !id.isEmpty() && items.size() < MAX_ITEMS_PER_ORDER) {
                items.add(id);
            }
        }
        if (items.size() >= 2) {
            stores.computeIfAbsent(event.storeId(), k -> new StoreCounts()).add(items, dropped);
        }
    }

    /**
     * The products bought with {@code productId} in at least {@value #MIN_ORDERS} orders of the store,
     * most orders first (then by id), at most {@code limit}.
     */
    public List<String> with(String storeId, String productId, int limit) {
        StoreCounts s = stores.get(storeId);
        return s == null ? List.of() : s.top(productId, limit);
    }

    /** Orders together of the two products in the store (0 when never, or not counted). */
    public int together(String storeId, String a, String b) {
        StoreCounts s = stores.get(storeId);
        return s == null ? 0 : s.count(a, b);
    }

    /** Pairs not counted because a bound was reached, since start. */
    public long dropped() {
        return dropped.sum();
    }

    /** One store's counts, under its own lock (the feed writes, request threads read). */
    private static final class StoreCounts {
        private final Map<String, Map<String, Integer>> partners = new HashMap<>();

        synchronized void add(Set<String> items, LongAdder dropped) {
            for (String a : items) {
                Map<String, Integer> p = partners.get(a);
                if (p == null) {
                    if (partners.size() >= MAX_PRODUCTS) {
                        dropped.add(items.size() - 1);
                        continue;
                    }
                    p = new HashMap<>();
                    partners.put(a, p);
                }
                for (String b : items) {
                    if (a.equals(b)) {
                        continue;
                    }
                    Integer n = p.get(b);
                    if (n != null) {
                        p.put(b, n + 1);
                    } else if (p.size() < MAX_PARTNERS) {
                        p.put(b, 1);
                    } else {
                        dropped.increment();
                    }
                }
            }
        }

        synchronized int count(String a, String b) {
            Map<String, Integer> p = partners.get(a);
            return p == null ? 0 : p.getOrDefault(b, 0);
        }

        synchronized List<String> top(String productId, int limit) {
            Map<String, Integer> p = partners.get(productId);
            if (p == null) {
                return List.of();
            }
            List<Map.Entry<String, Integer>> e = new ArrayList<>();
            for (Map.Entry<String, Integer> x : p.entrySet()) {
                if (x.getValue() >= MIN_ORDERS) {
                    e.add(Map.entry(x.getKey(), x.getValue()));
                }
            }
            e.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            List<String> out = new ArrayList<>(Math.min(limit, e.size()));
            for (int i = 0; i < e.size() && i < limit; i++) {
                out.add(e.get(i).getKey());
            }
            return out;
        }
    }
}
