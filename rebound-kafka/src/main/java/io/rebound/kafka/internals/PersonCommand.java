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
        Bin.Out o = new Bin.Out();
        switch (c) {
            case Deliver d -> {
                o.i8(1).str(d.target()).strings(d.pending()).i32(d.absorbed().size());
                d.absorbed().forEach(o::bytes);
                o.bool(d.event() != null);
                if (d.event() != null) {
                    o.bytes(EventSerde.encode(d.event()));
                }
                o.strings(d.visited());
            }
            case Erase e -> o.i8(2).str(e.personId());
            case Tick t -> o.i8(3);
            case Forget f -> o.i8(4).str(f.personId());
        }
        return o.toBytes();
    }

    static PersonCommand decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        int tag = in.i8();
        return switch (tag) {
            case 1 -> {
                String target = in.str();
                List<String> pending = in.strings();
                int n = in.i32();
                List<byte[]> absorbed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    absorbed.add(in.bytes());
                }
                Event event = in.bool() ? EventSerde.decode(in.bytes()) : null;
                yield new Deliver(target, pending, absorbed, event, in.strings());
            }
            case 2 -> new Erase(in.str());
            case 3 -> new Tick();
            case 4 -> new Forget(in.str());
            default -> throw new IllegalArgumentException("unknown person command " + tag);
        };
    }
}
