package io.rebound.core.catalog;

import io.rebound.core.JsonName;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a product can be bought now, in the words Google Merchant Center uses; each feed
 * spells it the way its platform expects ({@link FeedPlatform#availability}). The API's spelling,
 * {@link #json()}: {@code in_stock}, {@code out_of_stock}, {@code preorder}, {@code backorder}.
 */
public enum Availability implements JsonName {
    IN_STOCK,
    OUT_OF_STOCK,
    PREORDER,
    BACKORDER;

    /** Reads {@code in_stock} or {@code in stock}, in any case; empty for anything else. */
    public static Optional<Availability> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String s = raw.strip().toLowerCase(Locale.ROOT).replace(' ', '_');
        for (Availability a : values()) {
            if (a.json().equals(s)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
