package io.rebound.kafka.internals;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Forwards records and keeps the acknowledgement count of the record being processed. A record
 * carrying the {@link #ACK} header passes the header to every record it causes on the topology's own
 * topics, and reports {@code causedRecords - 1} to the acks topic in the same transaction. Summing
 * the reports of one ack id gives {@code -1} exactly when everything the original record caused has
 * been processed and committed — a termination count that lets a caller wait for "processed"
 * across repartition hops without timing guesses.
 */
public final class Tracker {

    public static final String ACK = "rebound-ack";
    static final String ACKS_SINK = "acks-sink";

    private final ProcessorContext<String, byte[]> context;
    private byte[] ack;
    private int caused;

    public Tracker(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    /** Starts processing {@code in}. */
    public void begin(Record<?, ?> in) {
        Header h = in.headers().lastHeader(ACK);
        ack = h == null ? null : h.value();
        caused = 0;
    }

    /** Forwards to a topic fed back into the topology (counted). */
    public void loop(String sink, String key, byte[] value) {
        Record<String, byte[]> r = new Record<>(key, value, context.currentSystemTimeMs());
        if (ack != null) {
            r.headers().add(ACK, ack);
            caused++;
        }
        context.forward(r, sink);
    }

    /** Forwards to an output topic (not counted). */
    public void out(String sink, String key, byte[] value) {
        context.forward(new Record<>(key, value, context.currentSystemTimeMs()), sink);
    }

    /** Ends processing the record begun: reports its count if it asked for an acknowledgement. */
    public void end() {
        if (ack != null) {
            context.forward(new Record<>(new String(ack, StandardCharsets.UTF_8),
                    ByteBuffer.allocate(4).putInt(caused - 1).array(), context.currentSystemTimeMs()), ACKS_SINK);
        }
        ack = null;
    }

    /** Decodes a report. */
    public static int delta(byte[] value) {
        return ByteBuffer.wrap(value).getInt();
    }
}
