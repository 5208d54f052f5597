package io.rebound.server.cluster;

import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.event.Event;
import io.rebound.kafka.Keys;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.KafkaEventLog;
import io.rebound.kafka.StoreSettings;
import io.rebound.kafka.Topics;
import io.rebound.server.audience.AbstractAudiences;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.audience.BackfillJob;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.meta.Statements;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Segments in cluster mode. A create, edit or delete is published to the compacted segments topic
 * (every Streams instance sees it through its global store and backfills its partitions) and then
 * recorded in the metadata database, where every node lists it. A segment is {@code building} until
 * every persons partition has reported, through the backfill-progress topic materialised by
 * {@link ClusterSink}, a finished backfill of the store's current segment set (same fingerprint as
 * the topology's catalog) that includes this version of the segment.
 */
public final class ClusterAudiences extends AbstractAudiences implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterAudiences.class);
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SegmentRepository repository;
    private final DataSource db;
    private final Topics topics;
    private final int partitions;
    private final ClusterAudienceView view;
    private final KafkaProducer<String, byte[]> producer;
    private final Clock clock;

    /**
     * @param partitions partitions of the persons topic: the backfill is done when all have reported
     */
    public ClusterAudiences(ClusterConfig config, Topics topics, int partitions, DataSource db, Clock clock) {
        this.repository = new SegmentRepository(db);
        this.db = db;
        this.topics = topics;
        this.partitions = partitions;
        this.view = new ClusterAudienceView(db);
        this.clock = clock;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template) {
        // Millisecond precision: what the metadata database and the segments topic both keep exactly.
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Optional<SegmentRecord> old = repository.byId(storeId, segmentId);
        // The engine's copy first: a segment listed by the API is always one the engine evaluates.
        publish(new io.rebound.kafka.SegmentRecord(storeId, segmentId, definition, now));
        SegmentRecord s = new SegmentRecord(storeId, segmentId, definition, template, SegmentRecord.Status.BUILDING,
                old.map(SegmentRecord::createdAt).orElse(now), now, now);
        repository.save(s);
        return s;
    }

    @Override
    public SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template) {
        StringBuilder id = new StringBuilder("sg_");
        for (int i = 0; i < 16; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return putSegment(storeId, id.toString(), definition, template);
    }

    @Override
    public boolean deleteSegment(String storeId, String segmentId) {
        if (repository.byId(storeId, segmentId).isEmpty()) {
            return false;
        }
        // A deletion record (not a tombstone): every instance learns the instant the members leave.
        publish(new io.rebound.kafka.SegmentRecord(storeId, segmentId, null, clock.instant()));
        return repository.delete(storeId, segmentId);
    }

    private void publish(io.rebound.kafka.SegmentRecord r) {
        publish(r.key(), r.encode());
    }

    /** Publishes a record of the segments topic (null: a tombstone) and waits for {@code acks=all}. */
    void publish(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topics.segments(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + Keys.rest(key), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not accept segment record " + Keys.rest(key) + ": " + e.getMessage(), e);
        }
    }

    /** Whether every partition has finished the backfill of the store's current segment set. */
    boolean backfilledEverywhere(String storeId) {
        return backfill(storeId).complete(partitions);
    }

    @Override
    public List<SegmentRecord> segments(String storeId) {
        List<SegmentRecord> all = repository.byStore(storeId);
        if (all.stream().noneMatch(s -> s.status() == SegmentRecord.Status.BUILDING)) {
            return all;
        }
        Backfill b = backfill(storeId);
        List<SegmentRecord> out = new ArrayList<>(all.size());
        for (SegmentRecord s : all) {
            out.add(settle(s, b));
        }
        return out;
    }

    @Override
    public Optional<SegmentRecord> segment(String storeId, String segmentId) {
        return repository.byId(storeId, segmentId)
                .map(s -> s.status() == SegmentRecord.Status.READY ? s : settle(s, backfill(storeId)));
    }

    @Override
    public BackfillJob.Progress progress(String storeId, String segmentId) {
        Optional<SegmentRecord> s = segment(storeId, segmentId);
        if (s.isEmpty() || s.get().status() == SegmentRecord.Status.READY) {
            return new BackfillJob.Progress(0, 0, 100.0, 0L);
        }
        Backfill b = backfill(storeId);
        long done = 0;
        long total = 0;
        int reported = 0;
        for (Partition p : b.partitions.values()) {
            if (p.fingerprint == b.fingerprint) {
                done += Math.min(p.done, p.total);
                total += p.total;
                reported++;
            }
        }
        double percent = total == 0 ? 0.0 : Math.round(done * 1000.0 / total) / 10.0;
        if (reported < partitions) {
            percent = Math.min(percent, 99.9 * reported / partitions);
        }
        return new BackfillJob.Progress(done, total, percent, null);
    }

    /** A building segment as ready once the backfill covering its version has finished everywhere; persisted. */
    private SegmentRecord settle(SegmentRecord s, Backfill b) {
        if (s.status() == SegmentRecord.Status.READY) {
            return s;
        }
        io.rebound.kafka.SegmentRecord engine = b.records.get(s.id());
        boolean covered = engine != null && !engine.deleted() && engine.effectiveFrom().equals(s.effectiveFrom());
        if (!covered || !b.complete(partitions)) {
            return s;
        }
        SegmentRecord ready = s.withStatus(SegmentRecord.Status.READY, s.updatedAt());
        repository.setStatus(s.storeId(), s.id(), SegmentRecord.Status.READY, s.updatedAt());
        return ready;
    }

    private record Partition(long fingerprint, long done, long total) {
    }

    /** The store's segment records as the sink last saw them, their fingerprint, and each partition's progress. */
    private record Backfill(Map<String, io.rebound.kafka.SegmentRecord> records, long fingerprint,
                            Map<Integer, Partition> partitions) {
        boolean complete(int expected) {
            int n = 0;
            for (Partition p : partitions.values()) {
                if (p.fingerprint != fingerprint || p.done < p.total) {
                    return false;
                }
                n++;
            }
            return n >= expected;
        }
    }

    private Backfill backfill(String storeId) {
        // The topology's catalog folds the store's records in key order (store \0 segment): the same here.
        TreeMap<String, byte[]> encoded = new TreeMap<>();
        Map<String, io.rebound.kafka.SegmentRecord> records = new HashMap<>();
        Map<Integer, Partition> progress = new HashMap<>();
        try (Connection c = db.getConnection()) {
            Statements.forEachRow(c, "SELECT segment_id, record FROM cluster_segment_records WHERE store_id = ?", storeId,
                    rs -> {
                        byte[] bytes = rs.getBytes(2);
                        String key = Keys.of(storeId, rs.getString(1));
                        encoded.put(key, bytes);
                        if (!StoreSettings.isKey(key)) {
                            records.put(rs.getString(1), io.rebound.kafka.SegmentRecord.decode(bytes));
                        }
                    });
            Statements.forEachRow(c, "SELECT partition_no, fingerprint, done, total FROM cluster_backfill_progress "
                    + "WHERE store_id = ?", storeId,
                    rs -> progress.put(rs.getInt(1), new Partition(rs.getLong(2), rs.getLong(3), rs.getLong(4))));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read backfill progress: " + e.getMessage(), e);
        }
        return new Backfill(records, io.rebound.kafka.SegmentRecord.fingerprint(encoded), progress);
    }

    @Override
    public AudienceView reader() {
        return view;
    }

    /**
     * The visitor's events as the events sink materialised them ({@code cluster_visitor_events}, filed
     * under the anonymous id, or the user id when none was sent, and under the user id too): every
     * node answers, a commit or two behind the collector.
     */
    @Override
    public Optional<List<Event>> timeline(String storeId, String visitorId, int limit) {
        return Optional.of(visitorEvents(storeId, visitorId, "event_time, event_id", limit, "the visitor's events"));
    }

    @Override
    public Optional<Event> latestEvent(String storeId, String visitorId) {
        return visitorEvents(storeId, visitorId, "event_time DESC, event_id DESC", 1, "the visitor's latest event")
                .stream().findFirst();
    }

    /** At most {@code limit} of the visitor's materialised events in {@code order}; {@code what} names them in a failure. */
    private List<Event> visitorEvents(String storeId, String visitorId, String order, int limit, String what) {
        List<Event> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT event FROM cluster_visitor_events WHERE store_id = ? AND (visitor_id = ? OR user_id = ?) "
                        + "ORDER BY " + order + " LIMIT ?")) {
            ps.setString(1, storeId);
            ps.setString(2, visitorId);
            ps.setString(3, visitorId);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(EventSerde.decode(rs.getBytes(1)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + what + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Finds the visitor's person in the materialised identities and sends the topology an erase
     * request for it, answering {@code erasing} once the broker holds the request. The topology then
     * removes the person's state, timers and the aliases of every linked id, and each membership
     * leaves (reason {@code erased}); the PostgreSQL view follows within a commit interval or two.
     * The materialised events of every id of the person are deleted at once, and the ids recorded so
     * that the events sink stores none of their events accepted before now; the raw records stay in
     * the events topic until its retention deletes them.
     */
    @Override
    public Erasure erase(String storeId, String visitorId) throws InterruptedException {
        Optional<String> person = view.personOf(storeId, visitorId);
        Set<String> ids = new TreeSet<>();
        ids.add(visitorId);
        List<String> left = List.of();
        Set<String> emailHashes = Set.of();
        if (person.isPresent()) {
            emailHashes = Set.copyOf(view.ids(storeId, person.get()).emailHashes());
            ids.addAll(view.ids(storeId, person.get()).anonymousIds());
            ids.addAll(view.ids(storeId, person.get()).userIds());
            left = List.copyOf(view.memberships(storeId, person.get()).keySet());
        }
        int removed = forgetEvents(storeId, ids);
        if (person.isEmpty()) {
            idsErased(storeId, ids);
            return new Erasure(removed == 0 ? "nothing_to_erase" : "erased", null, ids, removed, true, List.of());
        }
        try {
            producer.send(KafkaEventLog.eraseRequest(topics.persons(), storeId, person.get())).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("privacy erasure in store {}: the broker did not take the request", storeId, e);
            throw new Unavailable("the erasure request could not be stored in Kafka; send it again", e);
        }
        idsErased(storeId, ids);
        personErased(storeId, person.get(), emailHashes);
        LOG.info("privacy erasure in store {}: person {} requested, {} stored events removed", storeId, person.get(), removed);
        return new Erasure("erasing", person.get(), ids, removed, false, left);
    }

    /** Deletes the ids' materialised events and records the erasure, in one transaction. */
    private int forgetEvents(String storeId, Set<String> ids) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            int removed;
            try (PreparedStatement del = c.prepareStatement(
                    "DELETE FROM cluster_visitor_events WHERE store_id = ? AND (visitor_id = ? OR user_id = ?)");
                 PreparedStatement mark = c.prepareStatement("INSERT INTO cluster_erasures (store_id, visitor_id, erased_at) "
                         + "VALUES (?, ?, ?) ON CONFLICT (store_id, visitor_id) DO UPDATE SET erased_at = EXCLUDED.erased_at")) {
                removed = 0;
                for (String id : ids) {
                    del.setString(1, storeId);
                    del.setString(2, id);
                    del.setString(3, id);
                    removed += del.executeUpdate();
                    mark.setString(1, storeId);
                    mark.setString(2, id);
                    mark.setObject(3, clock.instant().atOffset(java.time.ZoneOffset.UTC));
                    mark.executeUpdate();
                }
            }
            c.commit();
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot erase the visitor's stored events: " + e.getMessage(), e);
        }
    }

    /** Cluster mode cannot tell which acknowledged events the materialised view already reflects. */
    @Override
    public boolean awaitCaughtUp(long timeoutMillis) {
        return false;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        producer.close();
    }
}
