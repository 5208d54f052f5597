package io.rebound.core.segment;

import java.time.Duration;
import java.util.Objects;

/**
 * A recency window: a condition holds at {@code now} for events whose time lies in
 * {@code (now - duration, now]}. Kept in the unit the store owner wrote so that the JSON round-trips.
 *
 * @param amount how many units, at least 1, at most 540 days
 * @param unit   days or hours
 */
public record Window(int amount, Unit unit) {

    /** The longest window any platform accepts (Google, 540 days). */
    public static final int MAX_DAYS = 540;

    /** The unit of a window as written in the definition. */
    public enum Unit { DAYS, HOURS }

    public Window {
        Objects.requireNonNull(unit, "unit");
        int max = unit == Unit.DAYS ? MAX_DAYS : MAX_DAYS * 24;
        if (amount < 1 || amount > max) {
            throw new IllegalArgumentException("window must be within 1.." + max + " " + unit);
        }
    }

    public static Window days(int days) {
        return new Window(days, Unit.DAYS);
    }

    public static Window hours(int hours) {
        return new Window(hours, Unit.HOURS);
    }

    public Duration duration() {
        return unit == Unit.DAYS ? Duration.ofDays(amount) : Duration.ofHours(amount);
    }

    public long millis() {
        return amount * (unit == Unit.DAYS ? 86_400_000L : 3_600_000L);
    }

    /** E.g. {@code 14 d} or {@code 6 h}, for reasons shown in the dashboard. */
    @Override
    public String toString() {
        return amount + (unit == Unit.DAYS ? " d" : " h");
    }
}
