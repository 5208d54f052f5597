package io.rebound.destinations;

/** Whether a destination sends what it builds. */
public enum Mode {
    /** Requests are recorded and sent. */
    LIVE,
    /** Requests are built and recorded exactly as live would send them, and never sent. */
    DRY_RUN
}
