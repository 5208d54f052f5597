package io.rebound.server.cluster;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * What one topic's records do to PostgreSQL, for the {@link ClusterSink}. A fresh writer collects
 * one consumed batch of its topic ({@link #add}, in consumed order, only records the
 * {@link SinkOffsets offset protocol} has not seen applied), then writes it with a constant number
 * of statements ({@link #write}) in the transaction that also advances the offsets. Applying a batch
 * must give the result that applying its records one by one would.
 */
interface TopicWriter {

    void add(ConsumerRecord<String, byte[]> record);

    /** Writes what was added, in the caller's transaction; {@code now} dates what the records do not. */
    void write(Connection c, Instant now) throws SQLException;
}
