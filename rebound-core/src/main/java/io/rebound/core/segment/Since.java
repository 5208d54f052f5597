package io.rebound.core.segment;

/**
 * Restricts an exclude condition to events at or after an anchor. {@link #LAST_INCLUDE}: the latest
 * event that matches any include condition within its window — so a shopper who bought last week
 * and abandoned a new cart yesterday is a cart abandoner again.
 */
public enum Since {
    LAST_INCLUDE("last_include");

    private final String json;

    Since(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }
}
