package io.rebound.core.segment;

import io.rebound.core.binary.Hash64;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetainedEventTest {

    /**
     * Id hashes are stored in every person state (the retained events' hashes, and the fingerprint of
     * the segment versions a state was evaluated with): the function is {@link Hash64#eventId}, whose
     * values are pinned in Hash64Test, and must never change.
     */
    @Test
    void theIdHashIsTheStoredEventIdHash() {
        assertThat(RetainedEvent.hashId("e1")).isEqualTo(0x50295bda7c69a087L);
        for (String id : new String[]{"", "ünïcødé", "0f8fad5b-d9cb-469f-a165-70867728950e"}) {
            assertThat(RetainedEvent.hashId(id)).isEqualTo(Hash64.eventId(id));
        }
    }

    /** The ad platforms' ids live on the event record and in the event index, never in the per-person state. */
    @Test
    void clickIdsAddNoByteToTheAudienceState() {
        var builder = Event.builder("st", "e1", EventType.ADD_TO_CART, Instant.ofEpochMilli(1_700_000_000_000L),
                Instant.ofEpochMilli(1_700_000_000_000L)).anonymousId("a");
        Event without = builder.build();
        Event with = builder.clickIds(Map.of("fbp", "fb.1.1700000000000.1116446470", "gclid", "Cj0KCQ-xyz",
                "ga_client_id", "123.456")).build();
        assertThat(RetainedEvent.of(with)).isEqualTo(RetainedEvent.of(without));
        assertThat(VisitorStateCodec.encode(VisitorState.EMPTY.add(with)))
                .isEqualTo(VisitorStateCodec.encode(VisitorState.EMPTY.add(without)));
    }
}
