package io.rebound.core.engine;

import io.rebound.core.event.EventType;
import io.rebound.core.segment.Bytes;
import io.rebound.core.segment.VisitorStateCodec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The binary form of a {@link PersonState}: the value every runtime stores per (store, person).
 * Pure (byte arrays only).
 *
 * <p>Layout (version 3), varints throughout: version byte; the type mask of the retained events
 * (bit {@code 1 << EventType.ordinal()}); for each type in the mask, in ordinal order, the time of the
 * latest retained event of that type (zigzag millis); store id; person id; anonymous ids, user ids, email
 * hashes; evaluated-at and timer-at (zigzag millis + 1, 0 for none); segment statuses (id, member,
 * since); then the {@link VisitorStateCodec} bytes of the retained events, last, so that
 * {@link #peek} reads what a backfill needs to decide whether to look closer without decoding them.
 * Version 2 (the same without the latest times) is still read.
 */
public final class PersonStateCodec {

    private static final byte VERSION = 3;
    private static final byte WITHOUT_LATEST = 2;
    private static final int TYPES = EventType.values().length;

    private PersonStateCodec() {
    }

    /**
     * What can be learnt without decoding the events.
     *
     * @param typeMask    bit {@code 1 << EventType.ordinal()} for each type of retained event
     * @param segments    ids of the segments the person has a status in (members and recent leavers)
     * @param evaluatedAt the person's {@link PersonState#evaluatedAt()}
     * @param latest      per {@code EventType.ordinal()}, the time of the latest retained event of that
     *                    type in epoch millis, {@link Long#MIN_VALUE} for none; null when the state was
     *                    written by version 2, which did not keep them
     */
    public record Header(long typeMask, Set<String> segments, Instant evaluatedAt, long[] latest) {
    }

    public static byte[] encode(PersonState state) {
        Bytes out = new Bytes(VisitorStateCodec.knownSize(state.visitor()) + 128);
        out.write(VERSION);
        long mask = VisitorStateCodec.typeMask(state.visitor());
        out.varlong(mask);
        for (EventType type : EventType.values()) {
            if ((mask & (1L << type.ordinal())) != 0) {
                out.varlong(zigzag(state.visitor().latestMillis(type)));
            }
        }
        string(out, state.storeId());
        string(out, state.personId());
        set(out, state.ids().anonymousIds());
        set(out, state.ids().userIds());
        set(out, state.ids().emailHashes());
        instant(out, state.evaluatedAt());
        instant(out, state.timerAt());
        out.varint(state.segments().size());
        for (Map.Entry<String, SegmentStatus> e : state.segments().entrySet()) {
            string(out, e.getKey());
            out.write(e.getValue().member() ? 1 : 0);
            out.varlong(zigzag(e.getValue().since().toEpochMilli()));
        }
        VisitorStateCodec.encode(state.visitor(), out);
        return out.toByteArray();
    }

    public static PersonState decode(byte[] bytes) {
        try {
            Bytes.Reader in = new Bytes.Reader(bytes);
            int version = version(in);
            long mask = in.varlong();
            if (version == VERSION) {
                for (int i = Long.bitCount(mask); i > 0; i--) {
                    in.varlong();
                }
            }
            String storeId = string(in);
            String personId = string(in);
            PersonIds ids = new PersonIds(set(in), set(in), set(in));
            Instant evaluated = instant(in);
            Instant timer = instant(in);
            int n = in.varint();
            Map<String, SegmentStatus> segments = new HashMap<>(Math.max(4, n * 2));
            for (int i = 0; i < n; i++) {
                String id = string(in);
                boolean member = in.read() == 1;
                segments.put(id, new SegmentStatus(member, Instant.ofEpochMilli(unzigzag(in.varlong()))));
            }
            // The events are read in place, and only as far as asked (see VisitorStateCodec.decode).
            return new PersonState(storeId, personId, ids, VisitorStateCodec.decode(bytes, in.position()), segments,
                    evaluated, timer);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt person state", e);
        }
    }

    /** The type mask and segment ids, without decoding ids' sets into objects or any event. */
    public static Header peek(byte[] bytes) {
        try {
            Bytes.Reader in = new Bytes.Reader(bytes);
            int version = version(in);
            long mask = in.varlong();
            long[] latest = null;
            if (version == VERSION) {
                latest = new long[TYPES];
                java.util.Arrays.fill(latest, Long.MIN_VALUE);
                for (int t = 0; t < TYPES; t++) {
                    if ((mask & (1L << t)) != 0) {
                        latest[t] = unzigzag(in.varlong());
                    }
                }
            }
            skipString(in);
            skipString(in);
            for (int s = 0; s < 3; s++) {
                int n = in.varint();
                for (int i = 0; i < n; i++) {
                    skipString(in);
                }
            }
            Instant evaluated = instant(in);
            in.varlong();
            int n = in.varint();
            Set<String> segments = n == 0 ? Set.of() : new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                segments.add(string(in));
                in.read();
                in.varlong();
            }
            return new Header(mask, segments, evaluated, latest);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt person state", e);
        }
    }

    private static int version(Bytes.Reader in) {
        int v = in.read();
        if (v != VERSION && v != WITHOUT_LATEST) {
            throw new IllegalArgumentException("unknown person state version " + v);
        }
        return v;
    }

    private static void string(Bytes out, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.varint(utf8.length);
        out.write(utf8, utf8.length);
    }

    private static String string(Bytes.Reader in) {
        return in.utf8(in.varint());
    }

    private static void skipString(Bytes.Reader in) {
        in.skip(in.varint());
    }

    private static void set(Bytes out, Set<String> set) {
        out.varint(set.size());
        for (String s : set) {
            string(out, s);
        }
    }

    private static Set<String> set(Bytes.Reader in) {
        int n = in.varint();
        if (n == 0) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(string(in));
        }
        return out;
    }

    private static void instant(Bytes out, Instant at) {
        out.varlong(at == null ? 0 : zigzag(at.toEpochMilli()) + 1);
    }

    private static Instant instant(Bytes.Reader in) {
        long v = in.varlong();
        return v == 0 ? null : Instant.ofEpochMilli(unzigzag(v - 1));
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
