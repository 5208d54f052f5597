package io.rebound.core.event;

/** Where an event entered Rebound. */
public enum Source {
    /** The first-party browser pixel, including its GIF fallback. */
    PIXEL,
    /** The Segment-compatible HTTP Tracking API (analytics.js, analytics-node, ...). */
    SEGMENT,
    /** A store's backend, through the server Events API. */
    SERVER,
    /** The demo traffic simulator. */
    SIMULATOR
}
