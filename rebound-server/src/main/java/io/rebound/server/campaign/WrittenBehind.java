package io.rebound.server.campaign;

import com.zaxxer.hikari.HikariDataSource;
import io.rebound.server.runtime.BackgroundPriority;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counters of a campaign added up in memory and written at most {@value #FLUSH_MILLIS} ms after the
 * first unwritten one, by one background thread for the whole JVM: what {@link DecisionCounts} and
 * {@link ExposureCounts} share. A write that fails is tried again a second later; once the database is
 * closed (the server stopping) the unwritten counts are dropped.
 */
abstract class WrittenBehind<K> {
    static final long FLUSH_MILLIS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(WrittenBehind.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /** At the background priority (nice 10 by default), like the log's consumers: answers come first. */
    private static final ScheduledExecutorService FLUSHER = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("rebound-campaign-counts").unstarted(() -> {
                BackgroundPriority.lowerCurrentThread();
                r.run();
            }));

    final DataSource dataSource;
    /** Counts added and not written yet. */
    final ConcurrentHashMap<K, Long> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    WrittenBehind(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Writes every count added so far; on failure they stay pending and this throws. */
    abstract void flush();

    /** Counts one more of {@code key}; written within {@value #FLUSH_MILLIS} ms. */
    final void count(K key) {
        pending.merge(key, 1L, Long::sum);
        writeSoon();
    }

    private void writeSoon() {
        if (scheduled.compareAndSet(false, true)) {
            FLUSHER.schedule(this::flushLater, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void flushLater() {
        scheduled.set(false);
        try {
            flush();
        } catch (RuntimeException e) {
            if (dataSource instanceof HikariDataSource h && h.isClosed()) {
                pending.clear(); // the server is stopping: nothing will read them on this node again
                return;
            }
            LOG.warn("{} not written yet, trying again in {} ms: {}", getClass().getSimpleName(), FLUSH_MILLIS,
                    e.getMessage());
        }
        if (!pending.isEmpty()) {
            writeSoon();
        }
    }

    /**
     * Adds {@code n} to a counter row: {@code update} (its first parameter the amount, then {@code key});
     * when no row was there, {@code insert} ({@code key}, the amount, then the campaign id) — an
     * {@code INSERT … SELECT … FROM campaigns WHERE id = ?}, so the counts of a campaign deleted meanwhile
     * insert nothing; when another node inserted the row meanwhile, the update again.
     */
    static void add(Connection c, String update, String insert, long n, String campaignId, Object... key)
            throws SQLException {
        if (update(c, update, n, key) > 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            int i = 1;
            for (Object k : key) {
                ps.setObject(i++, k);
            }
            ps.setLong(i++, n);
            ps.setString(i, campaignId);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            update(c, update, n, key);
        }
    }

    private static int update(Connection c, String sql, long n, Object... key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, n);
            int i = 2;
            for (Object k : key) {
                ps.setObject(i++, k);
            }
            return ps.executeUpdate();
        }
    }
}
