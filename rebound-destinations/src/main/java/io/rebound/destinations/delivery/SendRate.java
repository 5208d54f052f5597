package io.rebound.destinations.delivery;

import java.time.Instant;

/**
 * How many rows (list members, events) a worker got the platform to take, per minute, over the last
 * hour: sixty one-minute buckets, so its memory never grows. Safe to use from any thread.
 */
public final class SendRate {

    /** The longest window it answers for, in minutes. */
    public static final int MINUTES = 60;

    private final long[] minute = new long[MINUTES];
    private final long[] count = new long[MINUTES];

    public SendRate() {
        java.util.Arrays.fill(minute, Long.MIN_VALUE);
    }

    /** Counts {@code rows} taken at {@code at}. */
    public synchronized void record(Instant at, long rows) {
        if (rows <= 0) {
            return;
        }
        long m = Math.floorDiv(at.getEpochSecond(), 60);
        int i = Math.floorMod(m, MINUTES);
        if (minute[i] != m) {
            minute[i] = m;
            count[i] = 0;
        }
        count[i] += rows;
    }

    /** Rows taken in the {@code minutes} minutes up to {@code now} (the current minute included). */
    public synchronized long total(Instant now, int minutes) {
        if (minutes < 1 || minutes > MINUTES) {
            throw new IllegalArgumentException("minutes must be 1 to " + MINUTES + ", got " + minutes);
        }
        long m = Math.floorDiv(now.getEpochSecond(), 60);
        long sum = 0;
        for (int k = 0; k < minutes; k++) {
            int i = Math.floorMod(m - k, MINUTES);
            if (minute[i] == m - k) {
                sum += count[i];
            }
        }
        return sum;
    }

    /** The mean rows per minute over the last {@code minutes} minutes up to {@code now}. */
    public double perMinute(Instant now, int minutes) {
        return total(now, minutes) / (double) minutes;
    }
}
