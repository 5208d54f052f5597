package io.rebound.kafka.internals;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes of the records on the topology's own topics (identity, persons) and of the backfill
 * cursor in its changelogged store: what is in flight or stored when an instance is upgraded must
 * read the same afterwards.
 */
class CommandFormatsTest {

    private static Event minimal() {
        return Event.builder("st_1", "ev-2", EventType.CUSTOM, Instant.ofEpochMilli(-1), Instant.ofEpochMilli(2))
                .name("Quiz Finished").userId("u").build();
    }

    /** Identity topic: an event on its third hop, the event in version 1 (until 2026-12-02; still read). */
    private static final String RESOLVE_EVENT_V1 = "010000007301010000000473745f31010000000465762d320100000006435553544f4d010000000d5175697a2046696e"
            + "6973686564000100000001750000000000000001ffffffffffffffff0100000000000000020000000009000000000900"
            + "00000000000000000900000000010000000653455256455200000002000000020100000004613a76310100000000";

    /** Identity topic: an event on its third hop, the event as the embedded log writes it. */
    private static final String RESOLVE = "0100000032b20573745f310565762d3207437573746f6d0e5175697a2046696e69736865640002750000000001060000"
            + "0000000000000200000002000000020100000004613a76310100000000";

    /** Identity topic: a link. */
    private static final String LINK = "02010000000d73745f3100753a637573742d390100000008753a637573742d390100000000";

    /** Identity topic: an unlink. */
    private static final String UNLINK = "03010000000973745f3100613a76310100000008753a637573742d39000000020100000004613a76310100000004653a"
            + "6162";

    @Test
    void identityCommandsStayAsTheyWere() {
        IdentityCommand resolve = new IdentityCommand.Resolve(minimal(), 2, List.of("a:v1", ""));
        IdentityCommand link = new IdentityCommand.Link("st_1\u0000u:cust-9", "u:cust-9", "");
        IdentityCommand unlink = new IdentityCommand.Unlink("st_1\u0000a:v1", "u:cust-9", List.of("a:v1", "e:ab"));
        assertThat(IdentityCommand.encode(resolve)).isEqualTo(hex(RESOLVE));
        assertThat(IdentityCommand.decode(hex(RESOLVE))).isEqualTo(resolve);
        assertThat(IdentityCommand.decode(hex(RESOLVE_EVENT_V1))).isEqualTo(resolve);
        assertThat(IdentityCommand.encode(link)).isEqualTo(hex(LINK));
        assertThat(IdentityCommand.decode(hex(LINK))).isEqualTo(link);
        assertThat(IdentityCommand.encode(unlink)).isEqualTo(hex(UNLINK));
        assertThat(IdentityCommand.decode(hex(UNLINK))).isEqualTo(unlink);
    }

    /** Persons topic: a delivery that absorbs a person and carries an event in version 1 (still read). */
    private static final String DELIVER_EVENT_V1 = "010100000008753a637573742d39000000010100000004613a7631000000010000000301020301000000730101000000"
            + "0473745f31010000000465762d320100000006435553544f4d010000000d5175697a2046696e69736865640001000000"
            + "01750000000000000001ffffffffffffffff010000000000000002000000000900000000090000000000000000000900"
            + "0000000100000006534552564552000000010100000004613a7632";

    /** Persons topic: a delivery that absorbs a person and carries an event as the embedded log writes it. */
    private static final String DELIVER = "010100000008753a637573742d39000000010100000004613a763100000001000000030102030100000032b20573745f"
            + "310565762d3207437573746f6d0e5175697a2046696e6973686564000275000000000106000000000000000002000000"
            + "010100000004613a7632";

    /** Persons topic: a delivery with nothing but its target. */
    private static final String DELIVER_NO_EVENT = "010100000008753a637573742d3900000000000000000000000000";

    /** Persons topic: an erasure. */
    private static final String ERASE = "020100000008753a637573742d39";

    /** Persons topic: a tick. */
    private static final String TICK = "03";

    /** Persons topic: a forget. */
    private static final String FORGET = "040100000004613a7631";

    @Test
    void personCommandsStayAsTheyWere() {
        PersonCommand.Deliver deliver = new PersonCommand.Deliver("u:cust-9", List.of("a:v1"), List.of(new byte[]{1, 2, 3}),
                minimal(), List.of("a:v2"));
        assertThat(PersonCommand.encode(deliver)).isEqualTo(hex(DELIVER));
        for (String golden : List.of(DELIVER, DELIVER_EVENT_V1)) {
            PersonCommand.Deliver decoded = (PersonCommand.Deliver) PersonCommand.decode(hex(golden));
            assertThat(decoded.target()).isEqualTo("u:cust-9");
            assertThat(decoded.pending()).containsExactly("a:v1");
            assertThat(decoded.absorbed()).singleElement().isEqualTo(new byte[]{1, 2, 3});
            assertThat(decoded.event()).isEqualTo(minimal());
            assertThat(decoded.visited()).containsExactly("a:v2");
        }

        PersonCommand.Deliver bare = new PersonCommand.Deliver("u:cust-9", List.of(), List.of(), null, List.of());
        assertThat(PersonCommand.encode(bare)).isEqualTo(hex(DELIVER_NO_EVENT));
        assertThat(PersonCommand.decode(hex(DELIVER_NO_EVENT))).isEqualTo(bare);
        for (var c : List.of(new PersonCommand.Erase("u:cust-9"), new PersonCommand.Tick(), new PersonCommand.Forget("a:v1"))) {
            String golden = c instanceof PersonCommand.Erase ? ERASE : c instanceof PersonCommand.Tick ? TICK : FORGET;
            assertThat(PersonCommand.encode(c)).isEqualTo(hex(golden));
            assertThat(PersonCommand.decode(hex(golden))).isEqualTo(c);
        }
    }

    /** Backfill store: a cursor half way through a store. */
    private static final String BACKFILL = "fffffffffffffff9010000000973745f3100613a763100000000000000050000000000000009";

    /** Backfill store: a finished backfill (no cursor). */
    private static final String BACKFILL_DONE = "fffffffffffffff90000000000000000090000000000000009";

    @Test
    void backfillCursorsStayAsTheyWere() {
        Backfiller.State halfWay = new Backfiller.State(-7L, "st_1\u0000a:v1", 5, 9);
        Backfiller.State done = new Backfiller.State(-7L, null, 9, 9);
        assertThat(halfWay.encode()).isEqualTo(hex(BACKFILL));
        assertThat(Backfiller.State.decode(hex(BACKFILL))).isEqualTo(halfWay);
        assertThat(done.encode()).isEqualTo(hex(BACKFILL_DONE));
        assertThat(Backfiller.State.decode(hex(BACKFILL_DONE))).isEqualTo(done);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
