package io.rebound.server.webhooks;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The delivery ids this node handled lately (at most {@code capacity}, least recent forgotten first),
 * so a platform's redelivery is answered without work. Only a shortcut: a repeat that is no longer
 * remembered (or reaches another node) is still one event, because its event id is the order's.
 */
final class RecentDeliveries {
    private final Map<String, Boolean> seen;

    RecentDeliveries(int capacity) {
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized boolean contains(String key) {
        return seen.get(key) != null;
    }

    synchronized void add(String key) {
        seen.put(key, Boolean.TRUE);
    }
}
