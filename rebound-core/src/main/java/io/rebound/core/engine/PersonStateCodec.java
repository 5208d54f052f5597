package io.rebound.core.engine;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.VisitorStateCodec;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The binary form of a {@link PersonState}: the value every runtime stores per (store, person).
 * Pure (byte arrays only).
 *
 * <p>Layout (version 6; version 5 when the person has no Google email hash, so most states keep the
 * bytes they had): version byte; the type mask of the retained events (varint, bit
 * {@code 1 << EventType.ordinal()}); for each type in the mask, in ordinal order, the time of the
 * latest retained event of that type (8-byte little-endian epoch millis); evaluated-at and timer-at
 * (8 bytes each, {@link Long#MIN_VALUE} for none); evaluated-with (8 bytes, {@link
 * PersonState#evaluatedWith}); the advertising consent (a byte: 0 unstated, 1 allowed, 2 denied;
 * then the instant it was stated, 8 bytes, unless unstated); the segment statuses (varint count; id, member
 * byte, zigzag varint since); store id; person id; anonymous ids, user ids, email hashes (varint
 * count, varint length + UTF-8 each); in version 6 the Google-normalised email hashes (varint count;
 * email hash and Google's hash of the same address each, {@link PersonIds#googleEmailHashes}); then the
 * {@link VisitorStateCodec} bytes of the retained events.
 * What a backfill decides on comes first, at fixed places, so that {@link #peek} reads it without
 * decoding a string; what a timer or a backfill changes (evaluated-at, timer, statuses) lies between
 * parts it copies unchanged ({@link #encode(PersonState, byte[], PersonState)}).
 *
 * <p>Versions 4 (version 5 without evaluated-with and consent), 3 (varint times; store, person and ids
 * before the statuses) and 2 (the same without the latest times) are still read, as states evaluated
 * with {@link PersonState#UNKNOWN} segments.
 */
public final class PersonStateCodec {

    private static final byte VERSION = 6;
    private static final byte WITHOUT_GOOGLE_HASHES = 5;
    private static final byte WITHOUT_EVALUATED_WITH = 4;
    private static final byte IDS_FIRST = 3;
    private static final byte WITHOUT_LATEST = 2;
    private static final long NONE = Long.MIN_VALUE;
    private static final String[] NO_STRINGS = {};

    private PersonStateCodec() {
    }

    /**
     * What a backfill needs to know of a stored person before it decides to decode them, read from
     * the bytes as asked (nothing is decoded into objects up front).
     */
    public static final class Header {
        private final byte[] bytes;
        private final long typeMask;
        /** Where the latest times start (versions 4 to 6), or -1 when {@link #latestTimes} holds them (or none). */
        private final int latestAt;
        private final long[] latestTimes;
        private final long evaluatedAt;
        /** Where the statuses start. */
        private final int statusesAt;

        private Header(byte[] bytes, long typeMask, int latestAt, long[] latestTimes, long evaluatedAt, int statusesAt) {
            this.bytes = bytes;
            this.typeMask = typeMask;
            this.latestAt = latestAt;
            this.latestTimes = latestTimes;
            this.evaluatedAt = evaluatedAt;
            this.statusesAt = statusesAt;
        }

        /** Bit {@code 1 << EventType.ordinal()} for each type of retained event. */
        public long typeMask() {
            return typeMask;
        }

        /** The person's {@link PersonState#evaluatedAt()}. */
        public Instant evaluatedAt() {
            return evaluatedAt == NONE ? null : Instant.ofEpochMilli(evaluatedAt);
        }

        /** Whether the person was ever evaluated. */
        public boolean evaluated() {
            return evaluatedAt != NONE;
        }

        /** Whether the header keeps the latest time of each type (version 2 did not). */
        public boolean hasLatest() {
            return latestAt >= 0 || latestTimes != null;
        }

        /**
         * The time of the latest retained event of {@code type} in epoch millis, {@link Long#MIN_VALUE}
         * for none; only when {@link #hasLatest()}.
         */
        public long latest(EventType type) {
            long bit = 1L << type.ordinal();
            if ((typeMask & bit) == 0) {
                return NONE;
            }
            int rank = Long.bitCount(typeMask & (bit - 1));
            return latestAt >= 0 ? BinaryReader.int64LE(bytes, latestAt + 8 * rank) : latestTimes[rank];
        }

        /** Whether the person has a status (member or recent leaver) in the segment whose id is {@code utf8}. */
        public boolean hasStatus(byte[] utf8) {
            BinaryReader in = new BinaryReader(bytes, statusesAt);
            for (int n = in.varint(); n > 0; n--) {
                int length = in.varint();
                if (length == utf8.length && java.util.Arrays.equals(bytes, in.position(), in.position() + length,
                        utf8, 0, length)) {
                    return true;
                }
                in.skip(length);
                in.u8();
                in.varlong();
            }
            return false;
        }

        /** Ids of the segments the person has a status in. */
        public Set<String> segments() {
            BinaryReader in = new BinaryReader(bytes, statusesAt);
            Set<String> out = new LinkedHashSet<>();
            for (int n = in.varint(); n > 0; n--) {
                out.add(in.varintString());
                in.u8();
                in.varlong();
            }
            return out;
        }
    }

    /**
     * Each thread's buffer for the state it encodes: the result is copied out at its exact size, so a
     * buffer of its own per encode (sized for the whole state up front, since growing by doubling was
     * a tenth of encoding) was allocated and dropped on every event. One that grew past
     * {@link #SCRATCH_KEPT} bytes for a very large state is not kept.
     */
    private static final ThreadLocal<BinaryWriter> SCRATCH = ThreadLocal.withInitial(() -> new BinaryWriter(4_096));
    private static final int SCRATCH_KEPT = 1 << 20;

    public static byte[] encode(PersonState state) {
        BinaryWriter out = SCRATCH.get();
        out.clear();
        try {
            encode(state, out);
            return out.toByteArray();
        } finally {
            if (out.capacity() > SCRATCH_KEPT) {
                SCRATCH.remove();
            }
        }
    }

    private static void encode(PersonState state, BinaryWriter out) {
        Map<String, String> google = state.ids().googleEmailHashes();
        out.u8(google.isEmpty() ? WITHOUT_GOOGLE_HASHES : VERSION);
        long mask = VisitorStateCodec.typeMask(state.visitor());
        out.varlong(mask);
        long[] latest = state.visitor().latestMillisByType();
        for (int t = 0; t < latest.length; t++) {
            if ((mask & (1L << t)) != 0) {
                out.int64LE(latest[t]);
            }
        }
        statuses(out, state);
        out.varintString(state.storeId());
        out.varintString(state.personId());
        set(out, state.ids().anonymousIds());
        set(out, state.ids().userIds());
        set(out, state.ids().emailHashes());
        if (!google.isEmpty()) {
            out.varint(google.size());
            for (Map.Entry<String, String> e : google.entrySet()) {
                out.varintString(e.getKey());
                out.varintString(e.getValue());
            }
        }
        VisitorStateCodec.encode(state.visitor(), out);
    }

    /**
     * Encodes {@code state}, which a call made from {@code decoded} — what {@code from} decodes to:
     * when the call left the ids and the retained events as they were (the common case for timers
     * and backfills), their bytes are copied from {@code from} instead of encoded again. The result
     * is the same as {@link #encode(PersonState)}'s.
     */
    public static byte[] encode(PersonState state, byte[] from, PersonState decoded) {
        if (state.visitor() != decoded.visitor() || state.ids() != decoded.ids() || (from[0] != VERSION && from[0] != WITHOUT_GOOGLE_HASHES)
                || !state.storeId().equals(decoded.storeId()) || !state.personId().equals(decoded.personId())) {
            return encode(state);
        }
        BinaryReader in = new BinaryReader(from);
        in.u8();
        long mask = in.varlong();
        int statusesAt = in.position() + 8 * Long.bitCount(mask);
        in.skip(8 * Long.bitCount(mask) + 24);
        consent(in);
        skipStatuses(in);
        int idsAt = in.position();
        BinaryWriter statuses = new BinaryWriter(32);
        statuses(statuses, state);
        int tail = from.length - idsAt;
        byte[] out = new byte[statusesAt + statuses.size() + tail];
        System.arraycopy(from, 0, out, 0, statusesAt);
        System.arraycopy(statuses.array(), 0, out, statusesAt, statuses.size());
        System.arraycopy(from, idsAt, out, statusesAt + statuses.size(), tail);
        return out;
    }

    public static PersonState decode(byte[] bytes) {
        return decode(bytes, NO_STRINGS);
    }

    /**
     * {@link #decode(byte[])} where the store id and segment ids are likely among {@code known} (a
     * processor's store and segment ids): those the state holds are then shared instead of decoded
     * into copies of their own.
     */
    public static PersonState decode(byte[] bytes, String... known) {
        return decode(bytes, null, known);
    }

    /**
     * {@link #decode(byte[], String...)} of the person a caller looked up as {@code personId}: when the state
     * names that person (it does, under its key), it holds the caller's string instead of a copy.
     */
    public static PersonState decode(byte[] bytes, String personIdAskedFor, String[] known) {
        try {
            BinaryReader in = new BinaryReader(bytes);
            int version = version(in);
            long mask = in.varlong();
            if (!fixedHeader(version)) {
                return decodeIdsFirst(bytes, in, version, mask);
            }
            in.skip(8 * Long.bitCount(mask));
            Instant evaluated = instant(in.int64LE());
            Instant timer = instant(in.int64LE());
            boolean withConsent = version != WITHOUT_EVALUATED_WITH;
            long evaluatedWith = withConsent ? in.int64LE() : PersonState.UNKNOWN;
            AdConsent consent = withConsent ? consent(in) : AdConsent.UNSTATED;
            Map<String, SegmentStatus> segments = statuses(in, known);
            String store = known(in, known);
            String personId = personIdAskedFor == null ? in.varintString() : known(in, personIdAskedFor);
            Set<String> anonymous = set(in);
            Set<String> users = set(in);
            Set<String> emails = set(in);
            PersonIds ids = new PersonIds(anonymous, users, emails, version == VERSION ? googleHashes(in) : Map.of());
            // The events are read in place, and only as far as asked (see VisitorStateCodec.decode).
            return new PersonState(store, personId, ids, VisitorStateCodec.decode(bytes, in.position()), segments,
                    evaluated, timer, evaluatedWith, consent);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt person state", e);
        }
    }

    /** The string at {@code in}: {@code known} itself when it is that string (ASCII), else a new one. */
    private static String known(BinaryReader in, String known) {
        int length = in.varint();
        if (in.isAscii(known, length)) {
            in.skip(length);
            return known;
        }
        return in.utf8(length);
    }

    /** The string at {@code in}: one of {@code known} itself when it is that string (ASCII), else a new one. */
    private static String known(BinaryReader in, String[] known) {
        int length = in.varint();
        for (String k : known) {
            if (k != null && in.isAscii(k, length)) {
                in.skip(length);
                return k;
            }
        }
        return in.utf8(length);
    }

    /** Versions 3 and 2: store, person and ids, then evaluated-at and timer as varints, then the statuses. */
    private static PersonState decodeIdsFirst(byte[] bytes, BinaryReader in, int version, long mask) {
        if (version == IDS_FIRST) {
            for (int i = Long.bitCount(mask); i > 0; i--) {
                in.varlong();
            }
        }
        String storeId = in.varintString();
        String personId = in.varintString();
        PersonIds ids = new PersonIds(set(in), set(in), set(in));
        Instant evaluated = instant(varInstant(in));
        Instant timer = instant(varInstant(in));
        Map<String, SegmentStatus> segments = statuses(in, NO_STRINGS);
        return new PersonState(storeId, personId, ids, VisitorStateCodec.decode(bytes, in.position()), segments,
                evaluated, timer);
    }

    /** What a backfill decides on, without decoding the ids, the statuses or any event. */
    public static Header peek(byte[] bytes) {
        try {
            BinaryReader in = new BinaryReader(bytes);
            int version = version(in);
            long mask = in.varlong();
            if (fixedHeader(version)) {
                int latestAt = in.position();
                in.skip(8 * Long.bitCount(mask));
                long evaluated = in.int64LE();
                boolean withConsent = version != WITHOUT_EVALUATED_WITH;
                in.skip(withConsent ? 16 : 8);
                if (withConsent) {
                    consent(in);
                }
                return new Header(bytes, mask, latestAt, null, evaluated, in.position());
            }
            long[] latest = null;
            if (version == IDS_FIRST) {
                latest = new long[Long.bitCount(mask)];
                for (int i = 0; i < latest.length; i++) {
                    latest[i] = in.zigzagVarlong();
                }
            }
            skipString(in);
            skipString(in);
            for (int s = 0; s < 3; s++) {
                for (int n = in.varint(); n > 0; n--) {
                    skipString(in);
                }
            }
            long evaluated = varInstant(in);
            in.varlong();
            return new Header(bytes, mask, -1, latest, evaluated, in.position());
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt person state", e);
        }
    }

    /** Versions 4 to 6: the latest times, evaluated-at and timer at fixed places, the statuses before the ids. */
    private static boolean fixedHeader(int version) {
        return version == VERSION || version == WITHOUT_GOOGLE_HASHES || version == WITHOUT_EVALUATED_WITH;
    }

    private static Map<String, String> googleHashes(BinaryReader in) {
        int n = in.varint();
        if (n == 0) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.varintString(), in.varintString());
        }
        return out;
    }

    private static int version(BinaryReader in) {
        int v = in.u8();
        if (!fixedHeader(v) && v != IDS_FIRST && v != WITHOUT_LATEST) {
            throw new IllegalArgumentException("unknown person state version " + v);
        }
        return v;
    }

    /** Evaluated-at, timer-at, evaluated-with, consent and the segment statuses. */
    private static void statuses(BinaryWriter out, PersonState state) {
        out.int64LE(state.evaluatedAt() == null ? NONE : state.evaluatedAt().toEpochMilli());
        out.int64LE(state.timerAt() == null ? NONE : state.timerAt().toEpochMilli());
        out.int64LE(state.evaluatedWith());
        AdConsent consent = state.consent();
        out.u8(consent.at() == null ? 0 : consent.allowed() ? 1 : 2);
        if (consent.at() != null) {
            out.int64LE(consent.at().toEpochMilli());
        }
        out.varint(state.segments().size());
        // forEach: an unmodifiable map's entry set wraps every entry it hands out.
        state.segments().forEach((segment, status) -> {
            out.varintString(segment);
            out.u8(status.member() ? 1 : 0);
            out.zigzagVarlong(status.since().toEpochMilli());
        });
    }

    private static AdConsent consent(BinaryReader in) {
        int c = in.u8();
        if (c == 0) {
            return AdConsent.UNSTATED;
        }
        if (c != 1 && c != 2) {
            throw new IllegalArgumentException("corrupt person state: consent " + c);
        }
        return new AdConsent(c == 1, Instant.ofEpochMilli(in.int64LE()));
    }

    private static Map<String, SegmentStatus> statuses(BinaryReader in, String[] known) {
        int n = in.varint();
        if (n == 0) {
            return Map.of();
        }
        TreeMap<String, SegmentStatus> segments = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String id = known(in, known);
            boolean member = in.u8() == 1;
            segments.put(id, new SegmentStatus(member, Instant.ofEpochMilli(in.zigzagVarlong())));
        }
        return PersonState.sealed(segments); // the state takes it as it is
    }

    private static void skipStatuses(BinaryReader in) {
        for (int n = in.varint(); n > 0; n--) {
            skipString(in);
            in.u8();
            in.varlong();
        }
    }

    private static void skipString(BinaryReader in) {
        in.skip(in.varint());
    }

    private static void set(BinaryWriter out, Set<String> set) {
        out.varint(set.size());
        for (String s : set) {
            out.varintString(s);
        }
    }

    private static Set<String> set(BinaryReader in) {
        int n = in.varint();
        if (n <= 1) {
            return n == 0 ? Set.of() : Set.of(in.varintString());
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(in.varintString());
        }
        return out;
    }

    private static Instant instant(long millis) {
        return millis == NONE ? null : Instant.ofEpochMilli(millis);
    }

    /** An instant as versions 2 and 3 wrote it (zigzag millis + 1, 0 for none), as epoch millis or {@link #NONE}. */
    private static long varInstant(BinaryReader in) {
        long v = in.varlong();
        return v == 0 ? NONE : BinaryReader.unzigzag(v - 1);
    }
}
