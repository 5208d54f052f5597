package io.rebound.server.collect;

import io.rebound.core.event.Source;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.one;
import static io.rebound.server.collect.Fixtures.violations;
import static org.assertj.core.api.Assertions.assertThat;

class EventTimeTest {

    private static String at(String timeFields) {
        return "{'type':'track','event':'x','anonymousId':'a'," + timeFields + "}";
    }

    @Test
    void withoutTimestampTheArrivalTimeIsUsed() {
        var e = one(at("'messageId':'m'"));
        assertThat(e.eventTime()).isEqualTo(NOW);
        assertThat(e.receivedAt()).isEqualTo(NOW);
    }

    @Test
    void deviceClockSkewIsCorrectedWithSentAt() {
        // The device clock is 1 hour behind: it stamped the event 10 s before sending.
        var e = one(at("'timestamp':'2025-06-01T10:59:50Z','sentAt':'2025-06-01T11:00:00Z'"));
        assertThat(e.eventTime()).isEqualTo(NOW.minusSeconds(10));
    }

    @Test
    void bodyLevelSentAtAppliesWhenTheMessageHasNone() {
        var r = Fixtures.PARSER.parseBatch(Fixtures.body(Fixtures.q(
                        "{'sentAt':'2025-06-01T13:00:00+01:00','batch':[" + at("'timestamp':'2025-06-01T11:59:00Z'") + ","
                                + at("'timestamp':'2025-06-01T11:59:00Z','sentAt':'2025-06-01T12:00:00Z'") + "]}")),
                Fixtures.STORE, Fixtures.BROWSER, NOW, Source.SEGMENT);
        // body sentAt equals NOW (13:00+01:00): no skew; message sentAt also NOW.
        assertThat(r.accepted()).extracting(ev -> ev.eventTime()).containsExactly(NOW.minusSeconds(60), NOW.minusSeconds(60));
        var skewed = Fixtures.PARSER.parseBatch(Fixtures.body(Fixtures.q(
                        "{'sentAt':'2025-06-01T11:00:00Z','batch':[" + at("'timestamp':'2025-06-01T10:59:00Z'") + "]}")),
                Fixtures.STORE, Fixtures.BROWSER, NOW, Source.SEGMENT);
        assertThat(skewed.accepted().get(0).eventTime()).isEqualTo(NOW.minusSeconds(60));
    }

    @Test
    void originalTimestampIsUsedWhenTimestampIsAbsent() {
        assertThat(one(at("'originalTimestamp':'2025-06-01T11:00:00Z'")).eventTime()).isEqualTo(NOW.minusSeconds(3600));
    }

    @Test
    void offsetsAreHonoured() {
        assertThat(one(at("'timestamp':'2025-06-01T14:00:00+02:00'")).eventTime()).isEqualTo(NOW);
        assertThat(one(at("'timestamp':'2025-06-01T12:00:00.123Z'")).eventTime()).isEqualTo(NOW.plusMillis(123));
    }

    @Test
    void backdatingUpTo540DaysIsAcceptedAnd541IsRejected() {
        Instant day540 = NOW.minus(Duration.ofDays(540));
        Instant day541 = NOW.minus(Duration.ofDays(541));
        assertThat(one(at("'timestamp':'" + day540 + "','sentAt':'" + NOW + "'")).eventTime()).isEqualTo(day540);
        assertThat(violations(at("'timestamp':'" + day541 + "','sentAt':'" + NOW + "'")))
                .containsExactly("batch[0].timestamp: is older than 540 days; backdated events are accepted up to that age");
    }

    @Test
    void eventsFromTheFutureAreRejectedBeyondTheTolerance() {
        assertThat(one(at("'timestamp':'" + NOW.plusSeconds(299) + "'")).eventTime()).isEqualTo(NOW.plusSeconds(299));
        assertThat(violations(at("'timestamp':'" + NOW.plusSeconds(3600) + "'")))
                .singleElement().asString().startsWith("batch[0].timestamp: is 3600s in the future");
    }

    @Test
    void aFutureTimestampExplainedBySkewIsAccepted() {
        // The device clock is 1 day ahead; sentAt reveals it.
        var e = one(at("'timestamp':'2025-06-02T11:59:00Z','sentAt':'2025-06-02T12:00:00Z'"));
        assertThat(e.eventTime()).isEqualTo(NOW.minusSeconds(60));
    }

    @Test
    void extremeDatesAreViolationsNotCrashes() {
        assertThat(violations(at("'timestamp':'+999999999-12-31T23:59:59Z','sentAt':'-999999999-01-01T00:00:00Z'")))
                .isNotEmpty().allSatisfy(v -> assertThat(v).startsWith("batch[0]."));
    }
}
