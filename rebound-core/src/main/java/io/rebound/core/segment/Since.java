package io.rebound.core.segment;

import java.util.Locale;

/**
 * Restricts an exclude condition to events at or after an anchor. {@link #LAST_INCLUDE}: the latest
 * event that matches any include condition within its window — so a shopper who bought last week
 * and abandoned a new cart yesterday is a cart abandoner again.
 */
public enum Since {
    LAST_INCLUDE;

    /** The constant's name in lower case: how the API and configuration spell it. */
    private final String json = name().toLowerCase(Locale.ROOT);

    public String json() {
        return json;
    }
}
