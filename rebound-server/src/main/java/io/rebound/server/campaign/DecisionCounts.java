package io.rebound.server.campaign;

import com.zaxxer.hikari.HikariDataSource;
import io.rebound.server.meta.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The decisions per campaign, touch and reason ({@code campaign_decisions}, the stats), added up in
 * memory and written at most {@value #FLUSH_MILLIS} ms later in one transaction. Every answer of the
 * decision API counts one decision, and they all land on a few rows per campaign: written one by one,
 * concurrent answers queued on those rows' locks (decision 0013 named this first).
 *
 * <p>There is one instance per database in a JVM ({@link #of}), so every reader on this node — the
 * campaign API, the dashboard — sees the same counts: {@link #flush} runs before the stats are read.
 * Other nodes see them within a second. What a node had not written when it was killed is lost: at
 * most one second of decision counts, which are statistics, never a shopper's data or a code (offers
 * and the per-person daily caps are still written before the answer).
 */
final class DecisionCounts {
    static final long FLUSH_MILLIS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(DecisionCounts.class);
    private static final String UNIQUE_VIOLATION = "23505";
    private static final Map<DataSource, DecisionCounts> BY_DATABASE = Collections.synchronizedMap(new WeakHashMap<>());
    private static final ScheduledExecutorService FLUSHER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rebound-decision-counts").factory());

    private record Key(String campaignId, int touch, String reason) {
    }

    private final DataSource dataSource;
    private final ConcurrentHashMap<Key, Long> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Object writing = new Object();

    private DecisionCounts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    static DecisionCounts of(DataSource dataSource) {
        return BY_DATABASE.computeIfAbsent(dataSource, DecisionCounts::new);
    }

    /** Counts one decision; written within {@value #FLUSH_MILLIS} ms. */
    void add(String campaignId, int touch, String reason) {
        pending.merge(new Key(campaignId, touch, reason), 1L, Long::sum);
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
            LOG.warn("decision counts not written yet, trying again in {} ms: {}", FLUSH_MILLIS, e.getMessage());
        }
        if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
            FLUSHER.schedule(this::flushLater, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Drops the counts of a campaign being deleted. */
    void forget(String campaignId) {
        pending.keySet().removeIf(k -> k.campaignId().equals(campaignId));
    }

    /** Writes every count added so far, in one transaction; on failure they stay pending. */
    void flush() {
        synchronized (writing) {
            List<Map.Entry<Key, Long>> taken = new ArrayList<>();
            for (Key k : pending.keySet()) {
                Long n = pending.remove(k); // an add after this starts a new entry: nothing is lost
                if (n != null) {
                    taken.add(Map.entry(k, n));
                }
            }
            if (taken.isEmpty()) {
                return;
            }
            try {
                Transactions.run(dataSource, () -> "metadata database: cannot write decision counts", c -> {
                    for (Map.Entry<Key, Long> e : taken) {
                        add(c, e.getKey(), e.getValue());
                    }
                });
            } catch (RuntimeException e) {
                taken.forEach(t -> pending.merge(t.getKey(), t.getValue(), Long::sum));
                throw e;
            }
        }
    }

    private static void add(Connection c, Key k, long n) throws SQLException {
        if (update(c, k, n) > 0) {
            return;
        }
        // Counts of a campaign deleted meanwhile insert nothing (and need no foreign-key error to say so).
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO campaign_decisions (campaign_id, touch, reason, "
                + "decisions) SELECT ?, ?, ?, ? FROM campaigns WHERE id = ?")) {
            ps.setString(1, k.campaignId());
            ps.setInt(2, k.touch());
            ps.setString(3, k.reason());
            ps.setLong(4, n);
            ps.setString(5, k.campaignId());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            update(c, k, n); // another node inserted the row meanwhile
        }
    }

    private static int update(Connection c, Key k, long n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE campaign_decisions SET decisions = decisions + ? "
                + "WHERE campaign_id = ? AND touch = ? AND reason = ?")) {
            ps.setLong(1, n);
            ps.setString(2, k.campaignId());
            ps.setInt(3, k.touch());
            ps.setString(4, k.reason());
            return ps.executeUpdate();
        }
    }
}
