package io.rebound.server.cluster;

import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;
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
import static io.rebound.server.cluster.SinkSql.bytea;
import static io.rebound.server.cluster.SinkSql.integer;
import static io.rebound.server.cluster.SinkSql.text;

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
        SinkSql.update(c, "INSERT INTO cluster_visitor_events "
                        + "(store_id, event_id, visitor_id, user_id, event_time, partition_no, record_offset, event) "
                        + "SELECT s, e, v, u, " + MILLIS.formatted("t") + ", p, o, b "
                        + "FROM unnest(?, ?, ?, ?, ?, ?, ?, ?, ?) AS x(s, e, v, u, t, r, p, o, b) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM cluster_erasures er WHERE er.store_id = x.s "
                        + "AND (er.visitor_id = x.v OR er.visitor_id = x.u) "
                        + "AND er.erased_at >= " + MILLIS.formatted("x.r") + ") "
                        + "ON CONFLICT (store_id, event_id) DO NOTHING",
                text(c, all, r -> r.event().storeId()),
                text(c, all, r -> r.event().eventId()),
                text(c, all, Row::visitor),
                text(c, all, r -> r.event().userId()),
                bigint(c, all, r -> r.event().eventTime().toEpochMilli()),
                bigint(c, all, r -> r.event().receivedAt().toEpochMilli()),
                integer(c, all, Row::partition),
                bigint(c, all, Row::offset),
                bytea(c, all, Row::bytes));
    }
}
