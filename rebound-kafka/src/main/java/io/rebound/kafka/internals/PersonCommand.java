package io.rebound.kafka.internals;

import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;

import java.util.ArrayList;
import java.util.List;

/** A record of the persons topic, keyed {@code store \0 person} (ticks: any key, sent to every partition). */
public sealed interface PersonCommand {

    /**
     * Work for person {@code target}: first absorb the persons in {@code pending} (the record visits
     * each one's partition, which hands over its encoded state in {@code absorbed} and leaves a
     * redirect), then apply {@code event} if any.
     *
     * @param fresh   the identity side found no person: {@code target} is new (overrides an old redirect)
     * @param visited persons already visited, to stop redirect cycles left by concurrent merges
     */
    record Deliver(String target, boolean fresh, List<String> pending, List<byte[]> absorbed, Event event,
                   List<String> visited) implements PersonCommand {

        /** The person whose partition this record goes to next. */
        public String next() {
            return pending.isEmpty() ? target : pending.getFirst();
        }
    }

    /** Privacy erasure of a person. */
    record Erase(String personId) implements PersonCommand {
    }

    /** Run the punctuation now (timers due by the clock, pending backfills) and acknowledge. */
    record Tick() implements PersonCommand {
    }

    static byte[] encode(PersonCommand c) {
        Bin.Out o = new Bin.Out();
        switch (c) {
            case Deliver d -> {
                o.i8(1).str(d.target()).bool(d.fresh()).strings(d.pending()).i32(d.absorbed().size());
                d.absorbed().forEach(o::bytes);
                o.bool(d.event() != null);
                if (d.event() != null) {
                    o.bytes(EventSerde.encode(d.event()));
                }
                o.strings(d.visited());
            }
            case Erase e -> o.i8(2).str(e.personId());
            case Tick t -> o.i8(3);
        }
        return o.toBytes();
    }

    static PersonCommand decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        int tag = in.i8();
        return switch (tag) {
            case 1 -> {
                String target = in.str();
                boolean fresh = in.bool();
                List<String> pending = in.strings();
                int n = in.i32();
                List<byte[]> absorbed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    absorbed.add(in.bytes());
                }
                Event event = in.bool() ? EventSerde.decode(in.bytes()) : null;
                yield new Deliver(target, fresh, pending, absorbed, event, in.strings());
            }
            case 2 -> new Erase(in.str());
            case 3 -> new Tick();
            default -> throw new IllegalArgumentException("unknown person command " + tag);
        };
    }
}
