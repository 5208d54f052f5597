package io.rebound.server.cluster;

import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code <prefix>.events} (the accepted events) into {@code cluster_visitor_events}, for timelines and
 * the dashboard's funnel, with one statement per batch:
 * an event id is stored once (the first copy wins, as in the embedded index), an event without a
 * visitor id is not a timeline's and is skipped, and an event of a visitor id erased after it was
 * accepted is not stored (see {@code cluster_erasures}).
 */
final class VisitorEventsWriter implements TopicWriter {

    private record Row(Event event, int partition, long offset, byte[] bytes) {
        String visitor() {
            return event.anonymousId() != null ? event.anonymousId() : event.userId();
        }
    }

    /** First copy of each (store, event id) in this batch. */
    private final Map<List<String>, Row> rows = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return;
        }
        Event e = EventSerde.decode(r.value());
        Row row = new Row(e, r.partition(), r.offset(), r.value());
        if (row.visitor() != null) {
            rows.putIfAbsent(List.of(e.storeId(), e.eventId()), row);
        }
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        List<Row> all = new ArrayList<>(rows.values());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_visitor_events "
                + "(store_id, event_id, visitor_id, user_id, event_time, partition_no, record_offset, event) "
                + "SELECT s, e, v, u, TIMESTAMP WITH TIME ZONE 'epoch' + t * INTERVAL '1 millisecond', p, o, b "
                + "FROM unnest(?, ?, ?, ?, ?, ?, ?, ?, ?) AS x(s, e, v, u, t, r, p, o, b) "
                + "WHERE NOT EXISTS (SELECT 1 FROM cluster_erasures er WHERE er.store_id = x.s "
                + "AND (er.visitor_id = x.v OR er.visitor_id = x.u) "
                + "AND er.erased_at >= TIMESTAMP WITH TIME ZONE 'epoch' + x.r * INTERVAL '1 millisecond') "
                + "ON CONFLICT (store_id, event_id) DO NOTHING")) {
            ps.setArray(1, c.createArrayOf("text", all.stream().map(r -> r.event().storeId()).toArray()));
            ps.setArray(2, c.createArrayOf("text", all.stream().map(r -> r.event().eventId()).toArray()));
            ps.setArray(3, c.createArrayOf("text", all.stream().map(Row::visitor).toArray()));
            ps.setArray(4, c.createArrayOf("text", all.stream().map(r -> r.event().userId()).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", all.stream().map(r -> r.event().eventTime().toEpochMilli()).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", all.stream().map(r -> r.event().receivedAt().toEpochMilli()).toArray()));
            ps.setArray(7, c.createArrayOf("integer", all.stream().map(Row::partition).toArray()));
            ps.setArray(8, c.createArrayOf("bigint", all.stream().map(Row::offset).toArray()));
            ps.setArray(9, c.createArrayOf("bytea", all.stream().map(Row::bytes).toArray(byte[][]::new)));
            ps.executeUpdate();
        }
    }
}
