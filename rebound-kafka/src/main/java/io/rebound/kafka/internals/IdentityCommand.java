package io.rebound.kafka.internals;

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
        Bin.Out o = new Bin.Out();
        switch (c) {
            case Resolve r -> o.i8(1).bytes(EventSerde.encode(r.event())).i32(r.hop()).strings(r.observed());
            case Link l -> o.i8(2).str(l.idKey()).str(l.personId()).str(l.expected());
            case Unlink u -> o.i8(3).str(u.idKey()).str(u.personId()).strings(u.names());
        }
        return o.toBytes();
    }

    static IdentityCommand decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        int tag = in.i8();
        return switch (tag) {
            case 1 -> new Resolve(EventSerde.decode(in.bytes()), in.i32(), in.strings());
            case 2 -> new Link(in.str(), in.str(), in.str());
            case 3 -> new Unlink(in.str(), in.str(), in.strings());
            default -> throw new IllegalArgumentException("unknown identity command " + tag);
        };
    }
}
