package io.rebound.core.engine;

import io.rebound.core.segment.VisitorStateCodec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The binary form of a {@link PersonState}: the value every runtime stores per (store, person).
 * Pure (byte arrays only). Version byte, store and person id, ids, evaluated-at, timer-at, segment statuses, then the
 * {@link VisitorStateCodec} bytes of the retained events.
 */
public final class PersonStateCodec {

    private static final byte VERSION = 1;

    private PersonStateCodec() {
    }

    public static byte[] encode(PersonState state) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(state.storeId());
            out.writeUTF(state.personId());
            writeSet(out, state.ids().anonymousIds());
            writeSet(out, state.ids().userIds());
            writeSet(out, state.ids().emailHashes());
            out.writeLong(state.evaluatedAt() == null ? Long.MIN_VALUE : state.evaluatedAt().toEpochMilli());
            out.writeLong(state.timerAt() == null ? Long.MIN_VALUE : state.timerAt().toEpochMilli());
            out.writeInt(state.segments().size());
            for (Map.Entry<String, SegmentStatus> e : state.segments().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeBoolean(e.getValue().member());
                out.writeLong(e.getValue().since().toEpochMilli());
            }
            byte[] visitor = VisitorStateCodec.encode(state.visitor());
            out.writeInt(visitor.length);
            out.write(visitor);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PersonState decode(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readByte() != VERSION) {
                throw new IllegalArgumentException("unknown person state version");
            }
            String storeId = in.readUTF();
            String personId = in.readUTF();
            PersonIds ids = new PersonIds(readSet(in), readSet(in), readSet(in));
            long evaluated = in.readLong();
            long timer = in.readLong();
            int n = in.readInt();
            Map<String, SegmentStatus> segments = new HashMap<>();
            for (int i = 0; i < n; i++) {
                segments.put(in.readUTF(), new SegmentStatus(in.readBoolean(), Instant.ofEpochMilli(in.readLong())));
            }
            byte[] visitor = new byte[in.readInt()];
            in.readFully(visitor);
            return new PersonState(storeId, personId, ids, VisitorStateCodec.decode(visitor), segments,
                    evaluated == Long.MIN_VALUE ? null : Instant.ofEpochMilli(evaluated),
                    timer == Long.MIN_VALUE ? null : Instant.ofEpochMilli(timer));
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt person state", e);
        }
    }

    private static void writeSet(DataOutputStream out, Set<String> set) throws IOException {
        out.writeInt(set.size());
        for (String s : set) {
            out.writeUTF(s);
        }
    }

    private static Set<String> readSet(DataInputStream in) throws IOException {
        int n = in.readInt();
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
    }
}
