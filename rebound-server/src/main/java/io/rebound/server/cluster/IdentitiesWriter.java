package io.rebound.server.cluster;

import io.rebound.core.engine.PersonIds;
import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.Keys;
import io.rebound.server.cluster.SinkSql.StoreKey;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.rebound.server.cluster.SinkSql.MILLIS;
import static io.rebound.server.cluster.SinkSql.bigint;
import static io.rebound.server.cluster.SinkSql.text;

/**
 * The Streams changelog of the aliases store ({@code <application-id>-rebound-aliases-changelog}:
 * identity key {@code a:}/{@code u:}/{@code e:} → person) into {@code cluster_identities}: the last
 * record per key is stored with its record timestamp, a tombstone (an erased identity) deletes the row.
 * The store's {@code g:} entries (email digest → Google's digest of the address, decision 0022) go to
 * {@code cluster_google_emails} under the email's identity key, in the same transaction: an alias is
 * never applied before the digest that came with it (they share a changelog partition, in order).
 */
final class IdentitiesWriter implements TopicWriter {

    private record Alias(StoreKey identity, String person, long atMillis) {
    }

    private final Map<StoreKey, Alias> last = new LinkedHashMap<>();
    /** The {@code g:} entries, keyed by the email's identity key {@code e:…}; the value is Google's digest. */
    private final Map<StoreKey, Alias> google = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        String rest = Keys.rest(r.key());
        boolean googleDigest = rest.startsWith(AudienceTopology.StateNames.GOOGLE_EMAIL_PREFIX);
        StoreKey id = new StoreKey(Keys.store(r.key()), googleDigest
                ? PersonIds.emailKey(rest.substring(AudienceTopology.StateNames.GOOGLE_EMAIL_PREFIX.length())) : rest);
        (googleDigest ? google : last).put(id, new Alias(id, r.value() == null ? null
                : new String(r.value(), StandardCharsets.UTF_8), r.timestamp()));
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        write(c, last, "cluster_identities", "person_id");
        write(c, google, "cluster_google_emails", "google_email_hash");
    }

    private static void write(Connection c, Map<StoreKey, Alias> last, String table, String valueColumn) throws SQLException {
        List<StoreKey> gone = new ArrayList<>();
        List<Alias> set = new ArrayList<>();
        last.values().forEach(a -> {
            if (a.person() == null) {
                gone.add(a.identity());
            } else {
                set.add(a);
            }
        });
        SinkSql.delete(c, table, "id_key", gone);
        if (!set.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (store_id, id_key, " + valueColumn
                    + ", updated_at) SELECT s, k, p, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?) AS x(s, k, p, t) "
                    + "ON CONFLICT (store_id, id_key) DO UPDATE SET " + valueColumn + " = EXCLUDED." + valueColumn
                    + ", updated_at = EXCLUDED.updated_at")) {
                ps.setArray(1, text(c, set, a -> a.identity().store()));
                ps.setArray(2, text(c, set, a -> a.identity().key()));
                ps.setArray(3, text(c, set, Alias::person));
                ps.setArray(4, bigint(c, set, Alias::atMillis));
                ps.executeUpdate();
            }
        }
    }
}
