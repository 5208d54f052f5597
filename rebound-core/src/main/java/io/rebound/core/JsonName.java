package io.rebound.core;

import java.util.Locale;

/**
 * An enum that the API, the configuration and the stored rows spell as its constant's name in lower
 * case ({@code IN_STOCK} is {@code in_stock}): one definition of that spelling for every such enum.
 */
public interface JsonName {

    /** The constant's name, as {@link Enum#name()} gives it. */
    String name();

    /** The constant's name in lower case: how the API and configuration spell it. */
    default String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
