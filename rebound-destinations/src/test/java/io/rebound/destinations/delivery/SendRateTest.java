package io.rebound.destinations.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SendRateTest {

    private static final Instant T = Instant.parse("2026-03-01T12:00:30Z");

    @Test
    void countsPerMinuteOverTheLastFiveAndSixtyMinutes() {
        SendRate rate = new SendRate();
        rate.record(T, 100);
        rate.record(T.plusSeconds(10), 50);
        rate.record(T.minus(Duration.ofMinutes(3)), 250);
        rate.record(T.minus(Duration.ofMinutes(30)), 600);
        rate.record(T.minus(Duration.ofMinutes(61)), 10_000);

        assertThat(rate.total(T, 1)).isEqualTo(150);
        assertThat(rate.total(T, 5)).isEqualTo(400);
        assertThat(rate.perMinute(T, 5)).isEqualTo(80.0);
        assertThat(rate.total(T, 60)).as("older than an hour is gone").isEqualTo(1_000);
    }

    @Test
    void aBucketReusedAnHourLaterStartsAgainAndNothingIsCountedAfterAQuietHour() {
        SendRate rate = new SendRate();
        rate.record(T, 100);
        rate.record(T.plus(Duration.ofMinutes(60)), 7);
        assertThat(rate.total(T.plus(Duration.ofMinutes(60)), 60)).isEqualTo(7);
        assertThat(rate.total(T.plus(Duration.ofMinutes(200)), 60)).isZero();
        rate.record(T, 0);
        rate.record(T, -5);
        assertThatThrownBy(() -> rate.total(T, 61)).isInstanceOf(IllegalArgumentException.class);
    }
}
