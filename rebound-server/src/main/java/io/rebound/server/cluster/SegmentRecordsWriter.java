package io.rebound.server.cluster;

import io.rebound.kafka.Keys;
import io.rebound.server.cluster.SinkSql.Latest;
import io.rebound.server.cluster.SinkSql.StoreKey;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.rebound.server.cluster.SinkSql.bytea;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * {@code <prefix>.segments} (compacted) into {@code cluster_segment_records}, for the segment-set
 * fingerprint: the last record per store and segment is stored, a tombstone deletes the row.
 */
final class SegmentRecordsWriter implements TopicWriter {

    private record Upsert(StoreKey segment, byte[] record) {
    }

    /** The record bytes, or null for a tombstone. */
    private final Map<StoreKey, byte[]> last = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        last.put(new StoreKey(Keys.store(r.key()), Keys.rest(r.key())), r.value());
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        Latest<StoreKey, Upsert> latest = Latest.of(last, Upsert::new);
        SinkSql.delete(c, "cluster_segment_records", "segment_id", latest.tombstones());
        List<Upsert> set = latest.upserts();
        if (!set.isEmpty()) {
            SinkSql.update(c, "INSERT INTO cluster_segment_records (store_id, segment_id, record) "
                            + "SELECT s, g, b FROM unnest(?, ?, ?) AS x(s, g, b) "
                            + "ON CONFLICT (store_id, segment_id) DO UPDATE SET record = EXCLUDED.record",
                    text(c, set, u -> u.segment().store()),
                    text(c, set, u -> u.segment().key()),
                    bytea(c, set, Upsert::record));
        }
    }
}
