package io.rebound.core.segment;

import io.rebound.core.JsonName;

/**
 * Restricts an exclude condition to events at or after an anchor. {@link #LAST_INCLUDE}: the latest
 * event that matches any include condition within its window — so a shopper who bought last week
 * and abandoned a new cart yesterday is a cart abandoner again.
 */
public enum Since implements JsonName {
    LAST_INCLUDE
}
