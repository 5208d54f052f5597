package io.rebound.core.segment;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetainedEventTest {

    /**
     * Id hashes are stored in every person state (the retained events' hashes, and the fingerprint of
     * the segment versions a state was evaluated with): the function must never change.
     */
    @Test
    void idHashesStayAsTheyWere() {
        assertThat(RetainedEvent.hashId("")).isEqualTo(0xefd01f60ba992926L);
        assertThat(RetainedEvent.hashId("e1")).isEqualTo(0x50295bda7c69a087L);
        assertThat(RetainedEvent.hashId("ünïcødé")).isEqualTo(0xc4b3c4ebf61bc14dL);
        assertThat(RetainedEvent.hashId("0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(0x564e1752fb452f46L);
    }
}
