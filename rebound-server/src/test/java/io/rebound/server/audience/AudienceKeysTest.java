package io.rebound.server.audience;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded audience runtime's keys and change-log values: what RocksDB holds must keep reading. */
class AudienceKeysTest {
    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

    @Test
    void keyLayoutsStayAsTheyWere() {
        assertThat(HexFormat.of().formatHex(AudienceKeys.timer(-5, "st_1", "u:ü")))
                .isEqualTo("fffffffffffffffb000473745f310004753ac3bc");
        assertThat(HexFormat.of().formatHex(AudienceKeys.change("st_1", "seg-1", 42)))
                .isEqualTo("000473745f310005736567" + "2d31000000000000002a");
        AudienceKeys.Reader k = new AudienceKeys.Reader(AudienceKeys.member("st_1", "seg-1", "u:ü"));
        assertThat(k.str()).isEqualTo("st_1");
        assertThat(k.str()).isEqualTo("seg-1");
        assertThat(k.str()).isEqualTo("u:ü");
    }

    /**
     * Values written by {@code DataOutput.writeUTF} (modified UTF-8): a NUL is two bytes, a character
     * beyond the BMP two 3-byte surrogates.
     */
    private static final String CHANGE = "01000001a1f8660d00000b753ac080c3bc2d75736572001376696577656420eda0bdedb8"
            + "80207965676120";

    @Test
    void changeLogValuesStayAsTheyWere() {
        MembershipChange c = new MembershipChange("st_1", "seg-1", "u:\u0000ü-user", MembershipChange.Kind.JOINED, T,
                "viewed 😀 yega ");
        assertThat(HexFormat.of().formatHex(AudienceKeys.encodeChange(c))).isEqualTo(CHANGE);
        LoggedChange read = AudienceKeys.decodeChange(AudienceKeys.change("st_1", "seg-1", 42),
                HexFormat.of().parseHex(CHANGE));
        assertThat(read.sequence()).isEqualTo(42);
        assertThat(read.change()).isEqualTo(c);
    }

    @Test
    void aLongReasonIsCutTo2000Characters() {
        MembershipChange c = new MembershipChange("st_1", "seg-1", "a:v1", MembershipChange.Kind.LEFT, T, "x".repeat(2500));
        LoggedChange read = AudienceKeys.decodeChange(AudienceKeys.change("st_1", "seg-1", 1), AudienceKeys.encodeChange(c));
        assertThat(read.change().reason()).hasSize(2000);
        assertThat(read.change().kind()).isEqualTo(MembershipChange.Kind.LEFT);
    }

    /** The writer's last person key is the key of the store and person asked for, whichever came before. */
    @Test
    void theLastPersonKeyIsAlwaysTheKeyAskedFor() {
        AudienceKeys.LastPersonKey last = new AudienceKeys.LastPersonKey();
        java.util.Random random = new java.util.Random(11);
        String[] stores = {"st_1", "st_2", "st_12"};
        String[] persons = {"a:v1", "a:v2", "u:v1", "a:v12", "a:v1 "};
        for (int i = 0; i < 2_000; i++) {
            // New string objects each time: equal ids from different decodes must find the same key.
            String store = new String(stores[random.nextInt(stores.length)]);
            String person = new String(persons[random.nextInt(persons.length)]);
            assertThat(last.of(store, person)).isEqualTo(AudienceKeys.person(store, person));
        }
    }
}
