package io.rebound.core.catalog;

import io.rebound.core.JsonName;

import java.util.Locale;
import java.util.Optional;

/**
 * A product's condition, spelled the same by every platform's feed. The API's and the feeds'
 * spelling, {@link #json()}: {@code new}, {@code refurbished}, {@code used}.
 */
public enum Condition implements JsonName {
    NEW, REFURBISHED, USED;

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
