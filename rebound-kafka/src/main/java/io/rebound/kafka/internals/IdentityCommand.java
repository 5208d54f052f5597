package io.rebound.kafka.internals;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;

import java.util.List;

/**
 * A record of the identity topic, keyed {@code store \0 id-key} so that it reaches the partition
 * owning that id's alias.
 */
public sealed interface IdentityCommand {

    /**
     * An event on its way through the partitions of its ids, strongest first. {@code observed}
     * holds what each id visited so far pointed at ("" for nothing).
     */
    record Resolve(Event event, int hop, List<String> observed) implements IdentityCommand {
    }

    /**
     * Point {@code idKey} at {@code personId}. {@code expected} is what the sender saw it point at;
     * finding anything else means a concurrent change, and that person is merged into this one.
     */
    record Link(String idKey, String personId, String expected) implements IdentityCommand {
    }

    /**
     * Remove {@code idKey} if it still points at the erased {@code personId} or at one of the persons
     * it absorbed, which are named after its ids ({@code names}).
     */
    record Unlink(String idKey, String personId, List<String> names) implements IdentityCommand {
    }

    static byte[] encode(IdentityCommand c) {
        BinaryWriter o = new BinaryWriter(128);
        switch (c) {
            case Resolve r -> TopicFields.strings(o.u8(1).int32Bytes(EventSerde.encode(r.event())).int32BE(r.hop()),
                    r.observed());
            case Link l -> o.u8(2).int32StringOrNull(l.idKey()).int32StringOrNull(l.personId())
                    .int32StringOrNull(l.expected());
            case Unlink u -> TopicFields.strings(o.u8(3).int32StringOrNull(u.idKey()).int32StringOrNull(u.personId()),
                    u.names());
        }
        return o.toByteArray();
    }

    static IdentityCommand decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        int tag = in.u8();
        return switch (tag) {
            case 1 -> new Resolve(EventSerde.decode(in.int32Bytes()), in.int32BE(), TopicFields.strings(in));
            case 2 -> new Link(in.int32StringOrNull(), in.int32StringOrNull(), in.int32StringOrNull());
            case 3 -> new Unlink(in.int32StringOrNull(), in.int32StringOrNull(), TopicFields.strings(in));
            default -> throw new IllegalArgumentException("unknown identity command " + tag);
        };
    }
}
