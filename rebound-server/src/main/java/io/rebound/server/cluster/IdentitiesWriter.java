package io.rebound.server.cluster;

import io.rebound.core.engine.PersonIds;
import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.Keys;
import io.rebound.server.cluster.SinkSql.Latest;
import io.rebound.server.cluster.SinkSql.StoreKey;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
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

    /** The last alias per identity key, or null for a tombstone. */
    private final Map<StoreKey, Alias> last = new LinkedHashMap<>();
    /** The {@code g:} entries, keyed by the email's identity key {@code e:…}; the value is Google's digest. */
    private final Map<StoreKey, Alias> google = new LinkedHashMap<>();

    @Override
    public void add(ConsumerRecord<String, byte[]> r) {
        String rest = Keys.rest(r.key());
        boolean googleDigest = rest.startsWith(AudienceTopology.StateNames.GOOGLE_EMAIL_PREFIX);
        StoreKey id = new StoreKey(Keys.store(r.key()), googleDigest
                ? PersonIds.emailKey(rest.substring(AudienceTopology.StateNames.GOOGLE_EMAIL_PREFIX.length())) : rest);
        (googleDigest ? google : last).put(id, r.value() == null ? null
                : new Alias(id, new String(r.value(), StandardCharsets.UTF_8), r.timestamp()));
    }

    @Override
    public void write(Connection c, Instant now) throws SQLException {
        write(c, last, "cluster_identities", "person_id");
        write(c, google, "cluster_google_emails", "google_email_hash");
    }

    private static void write(Connection c, Map<StoreKey, Alias> last, String table, String valueColumn) throws SQLException {
        Latest<StoreKey, Alias> latest = Latest.of(last, (id, alias) -> alias);
        SinkSql.delete(c, table, "id_key", latest.tombstones());
        List<Alias> set = latest.upserts();
        if (!set.isEmpty()) {
            SinkSql.update(c, "INSERT INTO " + table + " (store_id, id_key, " + valueColumn
                            + ", updated_at) SELECT s, k, p, " + MILLIS.formatted("t") + " FROM unnest(?, ?, ?, ?) AS x(s, k, p, t) "
                            + "ON CONFLICT (store_id, id_key) DO UPDATE SET " + valueColumn + " = EXCLUDED." + valueColumn
                            + ", updated_at = EXCLUDED.updated_at",
                    text(c, set, a -> a.identity().store()),
                    text(c, set, a -> a.identity().key()),
                    text(c, set, Alias::person),
                    bigint(c, set, Alias::atMillis));
        }
    }
}
