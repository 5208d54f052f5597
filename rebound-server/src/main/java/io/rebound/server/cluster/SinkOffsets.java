package io.rebound.server.cluster;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.rebound.server.cluster.SinkSql.bigint;
import static io.rebound.server.cluster.SinkSql.integer;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * The sink's offset protocol: the consumed offsets live in PostgreSQL ({@code cluster_offsets}, the
 * next offset to apply per topic partition) and move in the transaction that writes the rows their
 * records produced, so a crash anywhere before the commit loses both and a crash after it keeps both:
 * each record is applied once. The group's Kafka offsets are never used.
 *
 * <p>A batch first {@link #claim claims} its partitions: their rows are created if missing and locked,
 * in one order (topic, then partition), so that two nodes briefly sharing partitions during a
 * rebalance cannot deadlock and the second waits for the first. Records below a stored offset were
 * applied already (by this node before a retry, or by another) and are left out; a partition another
 * node took further is sought forward. Every step is one statement, whatever the number of partitions.
 */
final class SinkOffsets {

    private static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition);

    /**
     * What a consumed batch may apply.
     *
     * @param fresh   the records not applied yet, per partition in consumed order
     * @param advance per partition with fresh records, the next offset to store
     * @param seek    per partition another node took past this batch, where to continue
     */
    record Claim(List<ConsumerRecord<String, byte[]>> fresh, Map<TopicPartition, Long> advance,
                 Map<TopicPartition, Long> seek) {
    }

    private SinkOffsets() {
    }

    /** The stored next offsets of these partitions; a partition never applied is absent. */
    static Map<TopicPartition, Long> stored(Connection c, Collection<TopicPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return new HashMap<>();
        }
        return offsets(c, "SELECT o.topic, o.partition_no, o.next_offset FROM cluster_offsets o "
                + "JOIN unnest(?, ?) AS x(t, p) ON o.topic = x.t AND o.partition_no = x.p", partitions);
    }

    /** Locks the batch's partitions in the caller's transaction and sorts its records into fresh and applied. */
    static Claim claim(Connection c, ConsumerRecords<String, byte[]> records) throws SQLException {
        List<TopicPartition> partitions = new ArrayList<>(records.partitions());
        partitions.sort(ORDER);
        Map<TopicPartition, Long> next = lock(c, partitions);
        List<ConsumerRecord<String, byte[]>> fresh = new ArrayList<>(records.count());
        Map<TopicPartition, Long> advance = new HashMap<>();
        Map<TopicPartition, Long> seek = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long from = next.get(tp);
            long last = -1;
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                last = r.offset();
                if (r.offset() >= from) {
                    fresh.add(r);
                }
            }
            if (last >= from) {
                advance.put(tp, last + 1);
            } else {
                seek.put(tp, from);
            }
        }
        return new Claim(fresh, advance, seek);
    }

    /**
     * Creates the partitions' rows if missing and locks them, in the given order, returning their next
     * offsets. The no-op update is what takes the lock and, after waiting for another node's
     * transaction, returns the offset it committed.
     */
    private static Map<TopicPartition, Long> lock(Connection c, List<TopicPartition> ordered) throws SQLException {
        return offsets(c, "INSERT INTO cluster_offsets (topic, partition_no, next_offset) "
                + "SELECT t, p, 0 FROM unnest(?, ?) WITH ORDINALITY AS x(t, p, n) ORDER BY n "
                + "ON CONFLICT (topic, partition_no) DO UPDATE SET next_offset = cluster_offsets.next_offset "
                + "RETURNING topic, partition_no, next_offset", ordered);
    }

    /** Runs a statement over (topic[], partition[]) that answers (topic, partition, next offset) rows. */
    private static Map<TopicPartition, Long> offsets(Connection c, String sql, Collection<TopicPartition> partitions)
            throws SQLException {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, text(c, partitions, TopicPartition::topic));
            ps.setArray(2, integer(c, partitions, TopicPartition::partition));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return out;
    }

    /** Stores the claim's new offsets, in the transaction that wrote its fresh records. */
    static void advance(Connection c, Claim claim) throws SQLException {
        if (claim.advance().isEmpty()) {
            return;
        }
        List<Map.Entry<TopicPartition, Long>> moved = new ArrayList<>(claim.advance().entrySet());
        try (PreparedStatement ps = c.prepareStatement("UPDATE cluster_offsets o SET next_offset = x.n "
                + "FROM unnest(?, ?, ?) AS x(t, p, n) WHERE o.topic = x.t AND o.partition_no = x.p")) {
            ps.setArray(1, text(c, moved, e -> e.getKey().topic()));
            ps.setArray(2, integer(c, moved, e -> e.getKey().partition()));
            ps.setArray(3, bigint(c, moved, Map.Entry::getValue));
            ps.executeUpdate();
        }
    }
}
