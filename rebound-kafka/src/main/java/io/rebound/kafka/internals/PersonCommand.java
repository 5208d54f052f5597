package io.rebound.kafka.internals;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;

import java.util.ArrayList;
import java.util.List;

/** A record of the persons topic, keyed {@code store \0 person} (ticks: any key, sent to every partition). */
public sealed interface PersonCommand {

    /**
     * Work for person {@code target}: first absorb the persons in {@code pending} (the record visits
     * each one's partition, which hands over its encoded state in {@code absorbed} and leaves a
     * redirect), then apply {@code event} if any. The target always outranks the persons it absorbs
     * ({@link io.rebound.core.engine.PersonIds#SURVIVOR_ORDER}), so redirects only ever point at a
     * stronger person and concurrent merges converge.
     *
     * @param visited persons already visited (a guard against redirect cycles, which the order rules out)
     */
    record Deliver(String target, List<String> pending, List<byte[]> absorbed, Event event,
                   List<String> visited) implements PersonCommand {

        /** The person whose partition this record goes to next. */
        public String next() {
            return pending.isEmpty() ? target : pending.getFirst();
        }
    }

    /** Privacy erasure of a person. */
    record Erase(String personId) implements PersonCommand {
    }

    /**
     * After an erasure: drop the redirect left by {@code personId} (a person absorbed into the erased
     * one), so that the name starts afresh if its id comes back.
     */
    record Forget(String personId) implements PersonCommand {
    }

    /** Run the punctuation now (timers due by the clock, pending backfills) and acknowledge. */
    record Tick() implements PersonCommand {
    }

    static byte[] encode(PersonCommand c) {
        BinaryWriter o = new BinaryWriter(128);
        switch (c) {
            case Deliver d -> {
                TopicFields.strings(o.u8(1).int32StringOrNull(d.target()), d.pending()).int32BE(d.absorbed().size());
                d.absorbed().forEach(o::int32Bytes);
                o.bool(d.event() != null);
                if (d.event() != null) {
                    o.int32Bytes(EventSerde.encode(d.event()));
                }
                TopicFields.strings(o, d.visited());
            }
            case Erase e -> o.u8(2).int32StringOrNull(e.personId());
            case Tick t -> o.u8(3);
            case Forget f -> o.u8(4).int32StringOrNull(f.personId());
        }
        return o.toByteArray();
    }

    static PersonCommand decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        int tag = in.u8();
        return switch (tag) {
            case 1 -> {
                String target = in.int32StringOrNull();
                List<String> pending = TopicFields.strings(in);
                int n = in.int32BE();
                in.require(n);
                List<byte[]> absorbed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    absorbed.add(in.int32Bytes());
                }
                Event event = in.bool() ? EventSerde.decode(in.int32Bytes()) : null;
                yield new Deliver(target, pending, absorbed, event, TopicFields.strings(in));
            }
            case 2 -> new Erase(in.int32StringOrNull());
            case 3 -> new Tick();
            case 4 -> new Forget(in.int32StringOrNull());
            default -> throw new IllegalArgumentException("unknown person command " + tag);
        };
    }
}
