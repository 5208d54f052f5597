package io.rebound.server.collect;

import io.rebound.core.event.Source;
import io.rebound.core.store.Store;
import org.junit.jupiter.api.Test;

import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.one;
import static org.assertj.core.api.Assertions.assertThat;

class EventIdTest {

    private static final String MSG = "{'type':'track','event':'AddToCart','anonymousId':'a','timestamp':'2025-06-01T11:00:00Z',"
            + "'properties':{'content_ids':['yoga-mat'],'value':68}}";

    @Test
    void messageIdIsTheIdempotencyKey() {
        assertThat(one("{'type':'track','event':'x','anonymousId':'a','messageId':'ajs-123'}").eventId()).isEqualTo("ajs-123");
    }

    @Test
    void metaEventIdWinsOverMessageIdSoPixelAndServerDedup() {
        assertThat(one("{'type':'track','event':'x','anonymousId':'a','messageId':'ajs-123','properties':{'event_id':'ev-1'}}").eventId())
                .isEqualTo("ev-1");
        var e = one("{'type':'track','event':'x','anonymousId':'a','properties':{'eventID':'ev-2','k':1}}");
        assertThat(e.eventId()).isEqualTo("ev-2");
        assertThat(e.properties()).containsOnlyKeys("k");
    }

    @Test
    void derivedIdIsDeterministicSoARetryDedups() {
        String first = one(MSG).eventId();
        assertThat(first).startsWith("d-").hasSize(2 + 64);
        assertThat(one(MSG).eventId()).isEqualTo(first);
        // A retry gets a new sentAt and its keys may come in another order: same id.
        String retried = "{'sentAt':'2025-06-01T11:59:59Z','properties':{'value':68,'content_ids':['yoga-mat']},"
                + "'timestamp':'2025-06-01T11:00:00Z','anonymousId':'a','event':'AddToCart','type':'track'}";
        assertThat(one(retried).eventId()).isEqualTo(first);
        // A body-level sentAt that differs does not matter either.
        var viaBody = Fixtures.PARSER.parseBatch(Fixtures.body(Fixtures.q("{'sentAt':'2025-06-01T12:00:01Z','batch':[" + MSG + "]}")),
                Fixtures.STORE, Fixtures.BROWSER, NOW.plusSeconds(30), Source.SEGMENT);
        assertThat(viaBody.accepted().get(0).eventId()).isEqualTo(first);
    }

    @Test
    void derivedIdDiffersByContentAndByStore() {
        String first = one(MSG).eventId();
        assertThat(one(MSG.replace("11:00:00", "11:00:01")).eventId()).isNotEqualTo(first);
        Store other = new Store("st_other", "Other", "wk_o", false, 180, NOW);
        assertThat(one(MSG, other, Fixtures.BROWSER).eventId()).isNotEqualTo(first);
    }

    @Test
    void derivedIdMatchesItsDocumentedDefinition() {
        var node = Fixtures.body(Fixtures.q("{'b':[1,{'y':2,'x':1}],'a':'s','sentAt':'2025-01-01T00:00:00Z'}")).root();
        assertThat(DerivedIds.derive("st_1", node))
                .isEqualTo("d-" + Pii.sha256Hex("st_1\0" + "{\"a\":\"s\",\"b\":[1,{\"x\":1,\"y\":2}]}"));
    }
}
