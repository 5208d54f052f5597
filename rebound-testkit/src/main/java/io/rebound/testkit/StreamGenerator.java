package io.rebound.testkit;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates random event streams for differential tests: several visitors and users, a small
 * catalogue, funnel events, a custom event, identifies, values in two currencies, custom properties,
 * times that often coincide on whole hours, duplicates, late and future-dated arrivals.
 */
public final class StreamGenerator {

    /** An event and when the runtime receives it. */
    public record Arrival(Instant at, Event event) {
    }

    static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    static final String STORE = "st_diff";
    static final String CUSTOM_EVENT = "Wishlisted";

    private final Random random;
    private final boolean inOrder;
    private final boolean identities;

    /**
     * @param seed       seed of the stream
     * @param inOrder    every event arrives exactly at its event time (no late, no future-dated events)
     * @param identities whether identifies and user ids link visitors
     */
    public StreamGenerator(long seed, boolean inOrder, boolean identities) {
        this.random = new Random(seed);
        this.inOrder = inOrder;
        this.identities = identities;
    }

    /** The arrivals, in arrival order. */
    public List<Arrival> generate() {
        int n = 30 + random.nextInt(60);
        List<Arrival> out = new ArrayList<>();
        Map<Integer, Event> sent = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Instant time = time();
            Event e = identities && random.nextInt(10) == 0 ? identify(i, time) : event(i, time);
            sent.put(i, e);
            out.add(new Arrival(arrival(time), e));
            if (random.nextInt(10) == 0) {
                // A retry of an earlier event, same id, later.
                Event dup = sent.get(random.nextInt(i + 1));
                out.add(new Arrival(arrival(dup.eventTime()).plus(Duration.ofMinutes(random.nextInt(600))), dup));
            }
        }
        out.sort(Comparator.comparing(Arrival::at));
        return out;
    }

    private Instant time() {
        long span = Duration.ofDays(20).toMillis();
        long offset = random.nextLong(span);
        if (random.nextInt(10) < 4) {
            offset -= offset % Duration.ofHours(1).toMillis(); // coincidences: equal times and window ends
        }
        return START.plusMillis(offset);
    }

    private Instant arrival(Instant time) {
        if (inOrder) {
            return time;
        }
        int r = random.nextInt(100);
        if (r < 65) {
            return time;
        }
        if (r < 80) {
            return time.plusMillis(random.nextLong(Duration.ofHours(1).toMillis()));
        }
        if (r < 95) {
            return time.plusMillis(random.nextLong(Duration.ofDays(5).toMillis()));
        }
        return time.minusMillis(random.nextLong(Duration.ofMinutes(5).toMillis())); // future-dated
    }

    private Event identify(int i, Instant time) {
        return Event.builder(STORE, "e" + i, EventType.IDENTIFY, time, time)
                .anonymousId("a" + random.nextInt(8))
                .userId("u" + random.nextInt(4))
                .emailHash(random.nextBoolean() ? "h" + random.nextInt(4) : null)
                .build();
    }

    private Event event(int i, Instant time) {
        int r = random.nextInt(100);
        EventType type = r < 40 ? EventType.VIEW_CONTENT : r < 65 ? EventType.ADD_TO_CART : r < 82 ? EventType.PURCHASE
                : r < 90 ? EventType.INITIATE_CHECKOUT : EventType.CUSTOM;
        Event.Builder b = Event.builder(STORE, "e" + i, type, time, time)
                .name(type == EventType.CUSTOM ? CUSTOM_EVENT : null);
        if (identities && random.nextInt(8) == 0) {
            b.userId("u" + random.nextInt(4)); // a backend event: user id only, or both
            if (random.nextBoolean()) {
                b.anonymousId("a" + random.nextInt(8));
            }
        } else {
            b.anonymousId("a" + random.nextInt(8));
        }
        List<Product> products = new ArrayList<>();
        int lines = random.nextInt(10) == 0 ? 2 : random.nextInt(10) == 0 ? 0 : 1;
        for (int k = 0; k < lines; k++) {
            int p = random.nextInt(6);
            products.add(new Product("p" + p, "c" + (p % 3), null, 1));
        }
        b.products(products);
        if (type == EventType.PURCHASE || type == EventType.ADD_TO_CART || random.nextInt(4) == 0) {
            b.value(BigDecimal.valueOf(500 + random.nextInt(15000), 2));
            b.currency(random.nextInt(4) == 0 ? "EUR" : "USD");
        }
        Map<String, Object> props = new HashMap<>();
        if (random.nextBoolean()) {
            props.put("color", random.nextBoolean() ? "red" : "blue");
        }
        if (random.nextBoolean()) {
            props.put("size", random.nextInt(6));
        }
        return b.properties(props).build();
    }
}
