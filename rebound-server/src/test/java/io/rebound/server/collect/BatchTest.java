package io.rebound.server.collect;

import io.rebound.core.event.EventType;
import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.rebound.server.collect.Fixtures.BROWSER;
import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.PARSER;
import static io.rebound.server.collect.Fixtures.STORE;
import static io.rebound.server.collect.Fixtures.batch;
import static io.rebound.server.collect.Fixtures.body;
import static io.rebound.server.collect.Fixtures.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchTest {

    @Test
    void validMessagesAreKeptAndRejectedOnesReportedByIndex() {
        BatchResult r = batch("{'batch':["
                + "{'type':'track','event':'A','anonymousId':'a','messageId':'m0'},"
                + "{'type':'track','event':'B','messageId':'m1'},"
                + "{'type':'page','anonymousId':'a','messageId':'m2'},"
                + "'junk',"
                + "{'type':'track','event':'C','anonymousId':'a','messageId':'m4','properties':{'value':'x'}},"
                + "{'type':'identify','userId':'u','messageId':'m5'}]}");
        assertThat(r.accepted()).extracting(e -> e.eventId()).containsExactly("m0", "m2", "m5");
        assertThat(r.rejected()).extracting(BatchResult.Rejection::index).containsExactly(1, 3, 4);
        assertThat(r.rejected()).extracting(BatchResult.Rejection::messageId).containsExactly("m1", null, "m4");
        assertThat(r.rejected().get(0).violations()).containsExactly(
                new Violation("batch[1].anonymousId", "anonymousId or userId is required (a non-empty string)"));
        assertThat(r.rejected().get(1).violations()).containsExactly(new Violation("batch[3]", "must be a JSON object, got a string"));
        assertThat(r.rejected().get(2).violations()).containsExactly(new Violation("batch[4].properties.value", "must be a number, got \"x\""));
        assertThat(r.filteredBots()).isZero();
        assertThat(r.accepted()).allSatisfy(e -> {
            assertThat(e.storeId()).isEqualTo("st_yoga");
            assertThat(e.source()).isEqualTo(Source.SEGMENT);
            assertThat(e.receivedAt()).isEqualTo(NOW);
        });
    }

    @Test
    void batchMustBeAnArray() {
        assertThatThrownBy(() -> batch("{'writeKey':'k'}")).isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).violations())
                        .containsExactly(new Violation("batch", "is required: an array of messages")));
        assertThatThrownBy(() -> batch("{'batch':{'type':'track'}}")).isInstanceOf(InvalidEventException.class)
                .hasMessage("batch: must be an array of messages, got an object");
    }

    @Test
    void anEmptyBatchIsFine() {
        assertThat(batch("{'batch':[]}")).isEqualTo(new BatchResult(List.of(), List.of(), 0));
    }

    @Test
    void aMessageOver32KbIsRejectedAndItsNeighboursKept() {
        String big = "x".repeat(33 * 1024);
        BatchResult r = batch("{'batch':[{'type':'track','event':'A','anonymousId':'a'},"
                + "{'type':'track','event':'B','anonymousId':'a','messageId':'big','properties':{'blob':'" + big + "'}},"
                + "{'type':'track','event':'C','anonymousId':'a','properties':{'blob':'" + "y".repeat(30 * 1024) + "'}}]}");
        assertThat(r.accepted()).extracting(e -> e.name()).containsExactly("A", "C");
        assertThat(r.rejected()).singleElement().satisfies(rej -> {
            assertThat(rej.index()).isEqualTo(1);
            assertThat(rej.messageId()).isEqualTo("big");
            assertThat(rej.violations()).singleElement().satisfies(v -> {
                assertThat(v.field()).isEqualTo("batch[1]");
                assertThat(v.message()).endsWith("a message may be at most 32768 bytes");
            });
        });
    }

    @Test
    void singleEndpointsImplyTheType() {
        BatchResult track = PARSER.parseSingle(body(q("{'event':'Product Viewed','anonymousId':'a','writeKey':'wk','properties':{'product_id':'p1'}}")),
                "track", STORE, BROWSER, NOW, Source.SEGMENT);
        assertThat(track.accepted()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.VIEW_CONTENT);
            assertThat(e.properties()).doesNotContainKey("writeKey");
        });
        BatchResult page = PARSER.parseSingle(body(q("{'type':'page','anonymousId':'a','properties':{'url':'https://x.test/'}}")),
                "page", STORE, BROWSER, NOW, Source.SEGMENT);
        assertThat(page.accepted()).singleElement().satisfies(e -> assertThat(e.pageUrl()).isEqualTo("https://x.test/"));
        BatchResult identify = PARSER.parseSingle(body(q("{'userId':'u','traits':{'email':'test@example.com'}}")),
                "identify", STORE, BROWSER, NOW, Source.SEGMENT);
        assertThat(identify.accepted()).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo(EventType.IDENTIFY));
    }

    @Test
    void singleEndpointRefusesADisagreeingTypeWithRootRelativePaths() {
        BatchResult r = PARSER.parseSingle(body(q("{'type':'identify','event':'x','anonymousId':'a','messageId':'m9','properties':{'value':'v'}}")),
                "track", STORE, BROWSER, NOW, Source.SEGMENT);
        assertThat(r.accepted()).isEmpty();
        assertThat(r.rejected()).singleElement().satisfies(rej -> {
            assertThat(rej.index()).isZero();
            assertThat(rej.messageId()).isEqualTo("m9");
            assertThat(rej.violations()).extracting(Violation::field).containsExactly("type", "properties.value");
        });
    }

    @Test
    void pixelCollectEndpointRequiresTheTypeInTheBody() {
        BatchResult r = PARSER.parseSingle(body(q("{'event':'x','anonymousId':'a'}")), null, STORE, BROWSER, NOW, Source.PIXEL);
        assertThat(r.rejected().get(0).violations()).extracting(Violation::field).containsExactly("type");
    }

    @Test
    void singleBodyOver32KbIsRejected() {
        BatchResult r = PARSER.parseSingle(body(q("{'event':'x','anonymousId':'a','properties':{'blob':'" + "z".repeat(40_000) + "'}}")),
                "track", STORE, BROWSER, NOW, Source.SEGMENT);
        assertThat(r.rejected().get(0).violations()).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("body"));
    }

    @Test
    void propertiesAreFlattenedToThreeLevelsAndCappedAt50() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            many.append(",'p").append(i).append("':").append(i);
        }
        var e = Fixtures.one("{'type':'track','event':'x','anonymousId':'a','properties':{"
                + "'a':{'b':{'c':1,'d':{'e':2}}},'tags':['x','y'],'ok':true,'none':null,'s':'" + "s".repeat(1200) + "'" + many + "}}");
        assertThat(e.properties()).hasSize(50)
                .containsEntry("a.b.c", 1).doesNotContainKey("a.b.d.e")
                .containsEntry("tags.0", "x").containsEntry("tags.1", "y").containsEntry("ok", true)
                .doesNotContainKey("none").containsKey("p0").doesNotContainKey("p59");
        assertThat((String) e.properties().get("s")).hasSize(1000);
    }
}
