package io.rebound.testkit;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Short-hand constructors for the canonical events scenarios need. Received-at equals event time. */
public final class TestEvents {

    private TestEvents() {
    }

    /** An event of {@code type} by anonymous visitor {@code anonymousId} about {@code productIds}. */
    public static Event event(String storeId, String eventId, EventType type, String anonymousId, Instant time,
                              String... productIds) {
        return Event.builder(storeId, eventId, type, time, time)
                .anonymousId(anonymousId)
                .products(Arrays.stream(productIds).map(Product::of).toList())
                .build();
    }

    /** A purchase with a value in USD. */
    public static Event purchase(String storeId, String eventId, String anonymousId, Instant time, String value,
                                 String... productIds) {
        return Event.builder(storeId, eventId, EventType.PURCHASE, time, time)
                .anonymousId(anonymousId)
                .products(Arrays.stream(productIds).map(Product::of).toList())
                .value(new BigDecimal(value))
                .currency("USD")
                .build();
    }

    /** An identify linking an anonymous id with a user id (and optionally an email hash). */
    public static Event identify(String storeId, String eventId, String anonymousId, String userId, String emailHash,
                                 Instant time) {
        return Event.builder(storeId, eventId, EventType.IDENTIFY, time, time)
                .anonymousId(anonymousId).userId(userId).emailHash(emailHash).build();
    }

    /** A product line with a category. */
    public static List<Product> products(String id, String category) {
        return List.of(new Product(id, category, null, 1));
    }
}
