package io.rebound.core.event;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One product line of an event: the id must equal the id in the store's catalog feed
 * (Meta {@code content_ids}, GA4 {@code item_id}, Segment {@code product_id}).
 *
 * @param id       product id, never blank
 * @param category product category, or null
 * @param price    unit price, or null
 * @param quantity quantity, at least 1
 */
public record Product(String id, String category, BigDecimal price, int quantity) {
    public Product {
        Objects.requireNonNull(id, "id");
        if (quantity < 1) {
            throw new IllegalArgumentException("quantity must be at least 1");
        }
    }

    public static Product of(String id) {
        return new Product(id, null, null, 1);
    }
}
