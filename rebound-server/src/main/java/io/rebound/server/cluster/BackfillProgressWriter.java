package io.rebound.server.cluster;

import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.rebound.server.cluster.SinkSql.MILLIS;
import static io.rebound.server.cluster.SinkSql.bigint;
import static io.rebound.server.cluster.SinkSql.integer;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * {@code <prefix>.backfill-progress} (compacted) into {@code cluster_backfill_progress}: per store and
 * persons partition, the last record of the batch, dated by its record timestamp. A tombstone
 * changes nothing (progress rows are removed with their store).
 */
final class BackfillProgressWriter implements TopicWriter {

    private record Progress(BackfillProgress.Partition partition, long atMillis) {
    }

    private final Map<String, Progress> last = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        if (r.value() != null) {
            BackfillProgress.Partition p = BackfillProgress.Partition.decode(r.value());
            last.put(Keys.of(p.storeId(), Integer.toString(p.partition())), new Progress(p, r.timestamp()));
        }
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        if (last.isEmpty()) {
            return;
        }
        List<Progress> rows = new ArrayList<>(last.values());
        SinkSql.update(c, "INSERT INTO cluster_backfill_progress "
                        + "(store_id, partition_no, fingerprint, done, total, updated_at) "
                        + "SELECT s, p, f, d, n, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?, ?, ?) AS x(s, p, f, d, n, t) "
                        + "ON CONFLICT (store_id, partition_no) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
                        + "done = EXCLUDED.done, total = EXCLUDED.total, updated_at = EXCLUDED.updated_at",
                text(c, rows, x -> x.partition().storeId()),
                integer(c, rows, x -> x.partition().partition()),
                bigint(c, rows, x -> x.partition().fingerprint()),
                bigint(c, rows, x -> x.partition().done()),
                bigint(c, rows, x -> x.partition().total()),
                bigint(c, rows, Progress::atMillis));
    }
}
