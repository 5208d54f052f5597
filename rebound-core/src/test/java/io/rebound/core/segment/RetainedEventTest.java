package io.rebound.core.segment;

import io.rebound.core.binary.Hash64;
import org.junit.jupiter.api.Test;

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
}
