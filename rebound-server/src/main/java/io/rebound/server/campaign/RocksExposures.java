package io.rebound.server.campaign;

import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded server's daily cap counts, in its RocksDB ({@value #FAMILY}) instead of the metadata
 * database's {@code campaign_exposures} (decision 0026). Every answer of the decision API that shows
 * something counts one; in H2 each flushed count was an UPDATE through SQL, a B-tree walk, an undo log
 * and copy-on-write pages, and that writer was the busiest thread after the event loops.
 *
 * <p>A cap reads only today's count, so one key per (person, campaign) holds the latest UTC day counted
 * and its count: {@code person \0 campaign} → {@code epoch day (int) · count (long)}. A count for a later
 * day replaces the one kept; one for an earlier day than the kept one is dropped (a flush just after
 * midnight: yesterday's touches no longer limit anything). The keys never pile up by day, and a
 * person's erasure is one range delete. A deleted campaign's keys stay until its people are erased:
 * campaign ids are never reused, so nothing reads them.
 *
 * <p>Written in one {@link WriteBatch} per flush, with RocksDB's write-ahead log: a flushed count
 * survives the process being killed, as the H2 row did.
 */
public final class RocksExposures implements ExposureCounts.Storage, AutoCloseable {
    public static final String FAMILY = "campaign_exposures";

    private final RocksDatabase rocks;
    private final DataSource dataSource;
    private boolean closed; // guarded by this: a write after close would reach a freed native handle

    private RocksExposures(RocksDatabase rocks, DataSource dataSource) {
        this.rocks = rocks;
        this.dataSource = dataSource;
    }

    /**
     * Keeps the daily cap counts of the campaigns in {@code dataSource} (the embedded H2 file) in
     * {@code rocks}, which must have opened {@link #FAMILY}. Call before anything reads a cap; close the
     * answer before {@code rocks}: it writes what is still pending and detaches.
     */
    public static RocksExposures attach(DataSource dataSource, RocksDatabase rocks) {
        RocksExposures storage = new RocksExposures(rocks, dataSource);
        ExposureCounts.keepIn(dataSource, storage);
        return storage;
    }

    @Override
    public synchronized long read(ExposureCounts.Key k) {
        requireOpen();
        byte[] v = get(key(k.personId(), k.campaignId()));
        return v != null && day(v) == k.day().toEpochDay() ? count(v) : 0L;
    }

    @Override
    public synchronized void add(List<Map.Entry<ExposureCounts.Key, Long>> counts) {
        requireOpen();
        // Per key, in day order, so that two days of the same key in one flush end at the later one.
        Map<ByteBuffer, byte[]> values = new HashMap<>();
        List<Map.Entry<ExposureCounts.Key, Long>> ordered = counts.stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(ExposureCounts.Key::day))).toList();
        for (Map.Entry<ExposureCounts.Key, Long> e : ordered) {
            ExposureCounts.Key k = e.getKey();
            byte[] key = key(k.personId(), k.campaignId());
            ByteBuffer id = ByteBuffer.wrap(key);
            byte[] held = values.containsKey(id) ? values.get(id) : get(key);
            long day = k.day().toEpochDay();
            if (held != null && day(held) > day) {
                continue;
            }
            long base = held != null && day(held) == day ? count(held) : 0L;
            values.put(id, value(day, base + e.getValue()));
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (Map.Entry<ByteBuffer, byte[]> v : values.entrySet()) {
                batch.put(rocks.family(FAMILY), v.getKey().array(), v.getValue());
            }
            rocks.write(batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot write daily cap counts: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void deletePerson(String personId) {
        requireOpen();
        byte[] from = (personId + '\0').getBytes(StandardCharsets.UTF_8);
        byte[] to = (personId + '\1').getBytes(StandardCharsets.UTF_8);
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(rocks.family(FAMILY), from, to);
            rocks.write(batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot erase daily cap counts: " + e.getMessage(), e);
        }
    }

    /** Every count kept in {@code rocks}, for tests: person, campaign, day and count. */
    static List<String> dump(RocksDatabase rocks) {
        List<String> out = new ArrayList<>();
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = rocks.db().newIterator(rocks.family(FAMILY), ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String key = new String(it.key(), StandardCharsets.UTF_8);
                out.add(key.replace('\0', ' ') + " " + LocalDate.ofEpochDay(day(it.value())) + " " + count(it.value()));
            }
        }
        return out;
    }

    /** Writes what is pending, then refuses every further read and write. */
    @Override
    public void close() {
        try {
            ExposureCounts.of(dataSource).flush();
        } finally {
            synchronized (this) {
                closed = true;
            }
        }
    }

    /** A plain read: the count is read, added to and written back, so it must be the latest value. */
    private byte[] get(byte[] key) {
        try {
            return rocks.db().get(rocks.family(FAMILY), key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot read a daily cap count: " + e.getMessage(), e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the daily cap counts are closed: the server is stopping");
        }
    }

    private static byte[] key(String personId, String campaignId) {
        return (personId + '\0' + campaignId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(long day, long count) {
        return ByteBuffer.allocate(12).putInt(Math.toIntExact(day)).putLong(count).array();
    }

    private static long day(byte[] v) {
        return ByteBuffer.wrap(v, 0, 4).getInt();
    }

    private static long count(byte[] v) {
        return ByteBuffer.wrap(v, 4, 8).getLong();
    }
}
