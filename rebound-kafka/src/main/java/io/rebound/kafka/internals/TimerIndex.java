package io.rebound.kafka.internals;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pending timers of one partition in a RocksDB table ordered by due time: key = due millis
 * (big-endian, sign bit flipped so byte order is time order) + {@code store \0 person}. The person's
 * state remembers its own due instant ({@code timerAt}), so replacing a timer needs no second index.
 */
public final class TimerIndex {

    public static final String STATE = "rebound-timers";
    private static final byte[] NONE = new byte[0];

    private final KeyValueStore<Bytes, byte[]> state;

    public TimerIndex(KeyValueStore<Bytes, byte[]> state) {
        this.state = state;
    }

    /** A due timer: the person key and the instant. */
    public record Due(String personKey, Instant at) {
    }

    public void replace(String personKey, Instant old, Instant next) {
        if (old != null && !old.equals(next)) {
            state.delete(key(old, personKey));
        }
        if (next != null) {
            state.put(key(next, personKey), NONE);
        }
    }

    /** Up to {@code limit} timers due at or before {@code now}, earliest first. */
    public List<Due> dueBy(Instant now, int limit) {
        List<Due> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = state.range(prefix(Long.MIN_VALUE), prefix(now.toEpochMilli() + 1))) {
            while (it.hasNext() && out.size() < limit) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (k.length <= 8) {
                    continue;
                }
                long millis = ByteBuffer.wrap(k, 0, 8).getLong() ^ Long.MIN_VALUE;
                out.add(new Due(new String(Arrays.copyOfRange(k, 8, k.length), StandardCharsets.UTF_8),
                        Instant.ofEpochMilli(millis)));
            }
        }
        return out;
    }

    public void delete(Due due) {
        state.delete(key(due.at(), due.personKey()));
    }

    private static Bytes prefix(long millis) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(millis ^ Long.MIN_VALUE).array());
    }

    private static Bytes key(Instant at, String personKey) {
        byte[] p = personKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + p.length).putLong(at.toEpochMilli() ^ Long.MIN_VALUE).put(p).array());
    }
}
