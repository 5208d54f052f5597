package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.MembershipChangeSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.rebound.server.cluster.SinkSql.MILLIS;
import static io.rebound.server.cluster.SinkSql.bigint;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * {@code <prefix>.membership-changes} into {@code cluster_membership_changes}, the change feed: every
 * record is a row, appended in consumed order, so the identity column numbers one segment's changes
 * (its records share a partition) in the order the topology made them. The log has no key to
 * de-duplicate on: it is the offset protocol that keeps a replayed record from being appended twice.
 */
final class ChangesWriter implements TopicWriter {

    private final List<MembershipChange> changes = new ArrayList<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        changes.add(MembershipChangeSerde.decode(r.value()));
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        // WITH ORDINALITY + ORDER BY: the identity column numbers the rows in consumed order.
        SinkSql.update(c, "INSERT INTO cluster_membership_changes "
                        + "(store_id, segment_id, person_id, kind, changed_at, reason) "
                        + "SELECT s, g, p, k, " + MILLIS.formatted("t") + ", r "
                        + "FROM unnest(?, ?, ?, ?, ?, ?) WITH ORDINALITY AS x(s, g, p, k, t, r, n) ORDER BY n",
                text(c, changes, MembershipChange::storeId),
                text(c, changes, MembershipChange::segmentId),
                text(c, changes, MembershipChange::personId),
                text(c, changes, m -> m.kind() == MembershipChange.Kind.JOINED ? "joined" : "left"),
                bigint(c, changes, m -> m.at().toEpochMilli()),
                text(c, changes, MembershipChange::reason));
    }
}
