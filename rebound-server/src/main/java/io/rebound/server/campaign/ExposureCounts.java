package io.rebound.server.campaign;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.MemoryOnly;
import io.rebound.server.meta.Transactions;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * The touches shown per campaign, person and UTC day (what the daily caps read), counted in memory and
 * written at most {@value #FLUSH_MILLIS} ms later in one transaction: to {@code campaign_exposures} in the
 * metadata database, or in the embedded server to its RocksDB ({@link RocksExposures}, decision 0026).
 * Every answer of the decision API that shows something reads and counts one; written one by one, the
 * read and the UPDATE were two of the answer's four database round trips, and the only write.
 *
 * <p>A count is what the database held when this node first read it ({@code base}), plus what this node
 * counted since: the part not yet written ({@code pending}) and the part being written ({@code writing}).
 * After a write commits, its counts move into the base before they leave {@code writing}, so a reader in
 * between counts them twice, never not at all: a cap may hold back one touch too early, never let one
 * through too many. The embedded server is the only process that opens its H2 file, so its base, once
 * read, stays exact; with PostgreSQL, other nodes count too, and a base is read again after
 * {@link #SHARED_BASE_TTL} (a person answered by two nodes in the same two seconds may see one touch
 * more than the cap: decision 0013).
 *
 * <p>There is one instance per database in a JVM ({@link #of}), so the decision API and the email flows,
 * whose caps are one cap across channels, count together. A node killed loses at most its last second
 * of counts: after a crash, a person may be shown one touch more than the cap that day.
 */
final class ExposureCounts extends WrittenBehind<ExposureCounts.Key> {
    static final Duration SHARED_BASE_TTL = Duration.ofSeconds(1);
    private static final Map<DataSource, ExposureCounts> BY_DATABASE = Collections.synchronizedMap(new WeakHashMap<>());
    /** Where a database's counts are kept when not in its {@code campaign_exposures} ({@link #keepIn}). */
    private static final Map<DataSource, Storage> ELSEWHERE = Collections.synchronizedMap(new WeakHashMap<>());

    record Key(String campaignId, String personId, LocalDate day) {
    }

    /** Where the counts are written and read back from. */
    interface Storage {
        /** The count of {@code k} as stored: 0 when none. */
        long read(Key k);

        /** Adds every count to what is stored, all or none. */
        void add(List<Map.Entry<Key, Long>> counts);

        /** After the person's erasure in the metadata database: their counts go too. */
        void deletePerson(String personId);
    }

    private final Storage storage;

    private final ConcurrentHashMap<Key, Long> writing = new ConcurrentHashMap<>();
    private final Cache<Key, Long> base;
    private final Object flushing = new Object();
    /** Odd while a write or an erasure is changing stored counts; bumped under {@link #flushing}. */
    private volatile long changes;
    /** Readers keep a base under its read lock; {@link #changes} is bumped under its write lock. */
    private final ReentrantReadWriteLock publishing = new ReentrantReadWriteLock();

    private ExposureCounts(DataSource dataSource) {
        super(dataSource);
        this.storage = ELSEWHERE.containsKey(dataSource) ? ELSEWHERE.get(dataSource) : new Jdbc(dataSource);
        Caffeine<Object, Object> b = Caffeine.newBuilder().maximumSize(500_000);
        this.base = (Database.onlyWriter(dataSource) ? b.expireAfterAccess(Duration.ofHours(26)) : b.expireAfterWrite(SHARED_BASE_TTL))
                .build();
    }

    static ExposureCounts of(DataSource dataSource) {
        return BY_DATABASE.computeIfAbsent(dataSource, ExposureCounts::new);
    }

    /** Keeps the counts of {@code dataSource}'s campaigns in {@code storage}: before anything counts or reads one. */
    static void keepIn(DataSource dataSource, Storage storage) {
        synchronized (BY_DATABASE) {
            if (BY_DATABASE.containsKey(dataSource)) {
                throw new IllegalStateException("the daily cap counts of this database are already in use");
            }
            ELSEWHERE.put(dataSource, storage);
        }
    }

    /** Touches of the campaign shown to the person on {@code day}, this node's unwritten ones included. */
    int shown(String campaignId, String personId, LocalDate day) {
        Key k = new Key(campaignId, personId, day);
        long local = pending.getOrDefault(k, 0L) + writing.getOrDefault(k, 0L);
        Long stored = base.getIfPresent(k);
        if (stored == null) {
            MemoryOnly.check();
            long before = changes;
            stored = storage.read(k);
            // Kept only if no write or erasure ran meanwhile (changes even and unchanged): a read from
            // before a write's commit, kept after the write moved its counts into the base, would be
            // short of them for the rest of the day.
            // The check and the put under the read lock, each bump of changes under the write lock: else a
            // whole flush could run between them, add its counts to a base not there yet, and this put a
            // base without them — short of them for the rest of the day.
            publishing.readLock().lock();
            try {
                if ((before & 1) == 0 && before == changes) {
                    base.asMap().putIfAbsent(k, stored);
                }
            } finally {
                publishing.readLock().unlock();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, stored + local);
    }

    /** Counts one touch shown; written within {@value #FLUSH_MILLIS} ms. */
    void add(String campaignId, String personId, LocalDate day) {
        count(new Key(campaignId, personId, day));
    }

    /**
     * Forgets the person's counts (erasure): this node's are written first, so that {@code deleteStored}
     * deletes, and counts, every one.
     */
    void forgetPerson(String personId, Runnable deleteStored) {
        synchronized (flushing) {
            flush();
            forget(k -> k.personId().equals(personId), () -> {
                deleteStored.run();
                storage.deletePerson(personId);
            });
        }
    }

    /** Forgets a campaign's counts (the campaign is being deleted; its rows go with it). */
    void forgetCampaign(String campaignId) {
        forget(k -> k.campaignId().equals(campaignId), () -> { });
    }

    private void forget(Predicate<Key> which, Runnable deleteStored) {
        synchronized (flushing) { // no write of the forgotten counts is under way, nor starts before the delete
            bump();
            try {
                pending.keySet().removeIf(which);
                base.asMap().keySet().removeIf(which);
                deleteStored.run();
            } finally {
                bump();
            }
        }
    }

    /** Writes every count added so far, in one transaction; on failure they stay pending. */
    @Override
    void flush() {
        synchronized (flushing) {
            List<Map.Entry<Key, Long>> taken = new ArrayList<>();
            for (Key k : pending.keySet()) {
                // Into writing before out of pending, so a reader counts it once or twice, never not at all.
                Long n = pending.get(k);
                if (n == null) {
                    continue;
                }
                writing.merge(k, n, Long::sum);
                if (!pending.remove(k, n)) {
                    writing.merge(k, -n, Long::sum); // counted again meanwhile: next round
                    writing.remove(k, 0L);
                    continue;
                }
                taken.add(Map.entry(k, n));
            }
            if (taken.isEmpty()) {
                return;
            }
            bump();
            try {
                storage.add(taken);
                for (Map.Entry<Key, Long> t : taken) {
                    base.asMap().computeIfPresent(t.getKey(), (k, v) -> v + t.getValue());
                    settle(t.getKey(), t.getValue());
                }
            } catch (RuntimeException e) {
                for (Map.Entry<Key, Long> t : taken) {
                    pending.merge(t.getKey(), t.getValue(), Long::sum);
                    settle(t.getKey(), t.getValue());
                }
                throw e;
            } finally {
                bump();
            }
        }
    }

    private void bump() {
        publishing.writeLock().lock();
        try {
            changes++;
        } finally {
            publishing.writeLock().unlock();
        }
    }

    private void settle(Key k, long n) {
        writing.merge(k, -n, Long::sum);
        writing.remove(k, 0L);
    }

    /** {@code campaign_exposures} in the metadata database: PostgreSQL in cluster mode, shared by every node. */
    private static final class Jdbc implements Storage {
        private final DataSource dataSource;
        /** The latest day whose older rows were deleted; written under {@link #flushing}. */
        private LocalDate swept = LocalDate.MIN;

        Jdbc(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        public long read(Key k) {
            String sql = "SELECT shown FROM campaign_exposures WHERE campaign_id = ? AND person_id = ? AND shown_on = ?";
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, k.campaignId());
                ps.setString(2, k.personId());
                ps.setObject(3, k.day());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            } catch (SQLException e) {
                throw JdbcCampaigns.failure("read the daily cap", e);
            }
        }

        @Override
        public void add(List<Map.Entry<Key, Long>> counts) {
            LocalDate latest = counts.stream().map(e -> e.getKey().day()).max(LocalDate::compareTo).orElse(swept);
            Transactions.run(dataSource, () -> "metadata database: cannot write daily cap counts", c -> {
                for (Map.Entry<Key, Long> e : counts) {
                    Key k = e.getKey();
                    WrittenBehind.add(c, "UPDATE campaign_exposures SET shown = shown + ? "
                                    + "WHERE campaign_id = ? AND person_id = ? AND shown_on = ?",
                            "INSERT INTO campaign_exposures (campaign_id, person_id, shown_on, shown) "
                                    + "SELECT ?, ?, ?, ? FROM campaigns WHERE id = ?",
                            e.getValue(), k.campaignId(), k.campaignId(), k.personId(), k.day());
                }
                // A cap reads today's count only: once a day, the rows of the days before yesterday go
                // (yesterday's stay for an answer decided just before midnight), or the table would keep
                // a row per person shown, per day, for ever.
                if (latest.isAfter(swept)) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM campaign_exposures WHERE shown_on < ?")) {
                        ps.setObject(1, latest.minusDays(1));
                        ps.executeUpdate();
                    }
                }
            });
            if (latest.isAfter(swept)) {
                swept = latest;
            }
        }

        @Override
        public void deletePerson(String personId) {
            // The metadata database's erasure deleted the rows with the person's offers (JdbcOffers.forgetPerson).
        }
    }
}
