package io.rebound.server.campaign;

import io.rebound.server.meta.Transactions;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

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
final class DecisionCounts extends WrittenBehind<DecisionCounts.Key> {
    private static final Map<DataSource, DecisionCounts> BY_DATABASE = Collections.synchronizedMap(new WeakHashMap<>());

    record Key(String campaignId, int touch, String reason) {
    }

    private final Object writing = new Object();

    private DecisionCounts(DataSource dataSource) {
        super(dataSource);
    }

    static DecisionCounts of(DataSource dataSource) {
        return BY_DATABASE.computeIfAbsent(dataSource, DecisionCounts::new);
    }

    /** Counts one decision; written within {@value #FLUSH_MILLIS} ms. */
    void add(String campaignId, int touch, String reason) {
        count(new Key(campaignId, touch, reason));
    }

    /** Drops the counts of a campaign being deleted. */
    void forget(String campaignId) {
        pending.keySet().removeIf(k -> k.campaignId().equals(campaignId));
    }

    /** Writes every count added so far, in one transaction; on failure they stay pending. */
    @Override
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
                        Key k = e.getKey();
                        add(c, "UPDATE campaign_decisions SET decisions = decisions + ? "
                                        + "WHERE campaign_id = ? AND touch = ? AND reason = ?",
                                "INSERT INTO campaign_decisions (campaign_id, touch, reason, decisions) "
                                        + "SELECT ?, ?, ?, ? FROM campaigns WHERE id = ?",
                                e.getValue(), k.campaignId(), k.campaignId(), k.touch(), k.reason());
                    }
                });
            } catch (RuntimeException e) {
                taken.forEach(t -> pending.merge(t.getKey(), t.getValue(), Long::sum));
                throw e;
            }
        }
    }
}
