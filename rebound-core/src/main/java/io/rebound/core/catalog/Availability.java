package io.rebound.core.catalog;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a product can be bought now, in the words Google Merchant Center uses; each feed
 * spells it the way its platform expects ({@link FeedPlatform#availability}).
 */
public enum Availability {
    IN_STOCK,
    OUT_OF_STOCK,
    PREORDER,
    BACKORDER;

    /** The constant's name in lower case: how the API and configuration spell it. */
    private final String json = name().toLowerCase(Locale.ROOT);

    /** The API's spelling: {@code in_stock}, {@code out_of_stock}, {@code preorder}, {@code backorder}. */
    public String json() {
        return json;
    }

    /** Reads {@code in_stock} or {@code in stock}, in any case; empty for anything else. */
    public static Optional<Availability> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String s = raw.strip().toLowerCase(Locale.ROOT).replace(' ', '_');
        for (Availability a : values()) {
            if (a.json.equals(s)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
