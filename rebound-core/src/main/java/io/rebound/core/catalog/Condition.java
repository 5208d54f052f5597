package io.rebound.core.catalog;

import java.util.Locale;
import java.util.Optional;

/** A product's condition, spelled the same by every platform's feed. */
public enum Condition {
    NEW, REFURBISHED, USED;

    /** The API's and the feeds' spelling: {@code new}, {@code refurbished}, {@code used}. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads the spelling of {@link #json()} in any case; empty for anything else. */
    public static Optional<Condition> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String s = raw.strip().toLowerCase(Locale.ROOT);
        for (Condition c : values()) {
            if (c.json().equals(s)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
