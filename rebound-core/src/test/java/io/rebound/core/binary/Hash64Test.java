package io.rebound.core.binary;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Stored data depends on every one of these values: none of them may ever change. */
class Hash64Test {

    @Test
    void eventIdHashesStayAsTheyWere() {
        assertThat(Hash64.eventId("")).isEqualTo(0xefd01f60ba992926L);
        assertThat(Hash64.eventId("e1")).isEqualTo(0x50295bda7c69a087L);
        assertThat(Hash64.eventId("ünïcødé")).isEqualTo(0xc4b3c4ebf61bc14dL);
        assertThat(Hash64.eventId("0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(0x564e1752fb452f46L);
    }

    @Test
    void utf16HashesStayAsTheyWere() {
        assertThat(Hash64.fnv1aUtf16("")).isEqualTo(0xcbf29ce484222325L);
        assertThat(Hash64.fnv1aUtf16("e1")).isEqualTo(0x088e7b07b539b883L);
        assertThat(Hash64.fnv1aUtf16("ünïcødé")).isEqualTo(0x3c4b2e135ddee5b4L);
        assertThat(Hash64.fnv1aUtf16("0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(0x3ec72038cdc744c1L);
        assertThat(Hash64.fnv1aUtf16("😀")).isEqualTo(0xe5e45a0a241b88d8L);
    }

    /** How the two event-id hashes relate: the same FNV-1a on ASCII, one finalised; apart beyond ASCII. */
    @Test
    void theTwoEventIdHashesAgreeOnAsciiUpToTheFinaliser() {
        for (String id : new String[]{"", "e1", "0f8fad5b-d9cb-469f-a165-70867728950e", "order-1042"}) {
            assertThat(Hash64.eventId(id)).isEqualTo(Hash64.fmix64(Hash64.fnv1aUtf16(id)));
            assertThat(Hash64.fnv1aUtf16(id))
                    .isEqualTo(Hash64.fnv1a(Hash64.FNV_OFFSET_BASIS, id.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(Hash64.eventId("ünïcødé")).isNotEqualTo(Hash64.fmix64(Hash64.fnv1aUtf16("ünïcødé")));
    }

    @Test
    void fnv1aContinuesFromAPreviousValue() {
        byte[] ab = "ab".getBytes(StandardCharsets.UTF_8);
        long a = Hash64.fnv1a(Hash64.FNV_OFFSET_BASIS, new byte[]{'a'});
        assertThat(Hash64.fnv1a(a, new byte[]{'b'})).isEqualTo(Hash64.fnv1a(Hash64.FNV_OFFSET_BASIS, ab));
        assertThat(Hash64.fnv1a(Hash64.FNV_OFFSET_BASIS, ab)).isEqualTo(0x089c4407b545986aL);
    }
}
